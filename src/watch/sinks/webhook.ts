// The webhook sink: POSTs each event's JSON to a URL. Any 2xx answer delivers it; anything else (a
// refused connection, a timeout, a 5xx or 4xx) is a failure the outbox runner retries, since a
// receiver that is down or misconfigured must not make watch drop events.
import { EarshotError } from '../../errors.js';
import type { EarshotEvent } from '../../model.js';
import { stringifySafeJson } from '../../report/safe-json.js';
import { VERSION } from '../../version.js';
import { deadlineSignal, type Sink } from './sink.js';

/** Options of the webhook sink. */
export interface WebhookSinkOptions {
  url: string;
  /** How long one POST may take (default 10 s). */
  timeoutMs?: number;
}

/** Checks a webhook URL: http or https, with a host. ERR_OPTION otherwise. */
export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid --webhook URL "${text}": write it as http://host:port/path.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid --webhook URL "${text}": only http: and https: are supported.`,
    );
  }
  return url;
}

/** A sink that POSTs each event as JSON (header `Earshot-Event-Id` carries its id). */
export function webhookSink(options: WebhookSinkOptions): Sink {
  const url = parseWebhookUrl(options.url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    name: `webhook:${url.href}`,
    async deliver(event: EarshotEvent, signal: AbortSignal): Promise<void> {
      const deadline = deadlineSignal(signal, timeoutMs);
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': `earshot/${VERSION}`,
            'earshot-event-id': event.id,
          },
          body: stringifySafeJson(event, 0),
          signal: deadline.signal,
          redirect: 'error',
        });
        // Read the body so that the connection can be reused; its content does not matter.
        await response.arrayBuffer().catch(() => undefined);
        if (response.status < 200 || response.status > 299) {
          throw new Error(`${url.href} answered ${response.status} ${response.statusText}`);
        }
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        throw new Error(`POST ${url.href} failed: ${cause ?? (error as Error).message}`, { cause: error });
      } finally {
        deadline.dispose();
      }
    },
  };
}
