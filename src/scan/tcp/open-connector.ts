// Picks the connector of a TCP engine run: earshot's native socket table when its addon is built
// and opens, else Node's tcp_wrap handles (slower, same answers).
import { EarshotError } from '../../errors.js';
import { loadNativeAddon, nativeAddonPath } from '../../io/native-addon.js';
import type { Connector, ConnectorEvents, ConnectorKind } from './connector.js';
import { NativeConnector, type TcpConnectAddon } from './native-connector.js';
import { TcpWrapConnector } from './tcp-wrap-connector.js';

/** Opens `capacity` slots, native when the addon loads and opens (unless `kind` says tcp_wrap). */
export function openConnector(capacity: number, events: ConnectorEvents, kind?: ConnectorKind): Connector {
  if (kind !== 'tcp_wrap') {
    const addon = loadNativeAddon<TcpConnectAddon>(nativeAddonPath('tcp_connect'));
    const native = typeof addon === 'string' ? null : NativeConnector.open(addon, capacity, events);
    if (native !== null) return native;
    if (kind === 'native') {
      throw new EarshotError(
        'ERR_RESOURCE',
        typeof addon === 'string' ? addon : 'the native connector does not open',
      );
    }
  }
  return new TcpWrapConnector(capacity, events);
}
