// The login form.
import { html } from './html.js';
import { page } from './layout.js';

/** The login page, with the path to return to and an optional error. */
export function loginPage(next: string, error?: string): string {
  return page({
    title: 'Log in',
    body: html`<form class="login" method="post" action="/login">
      <h1>Log in to earshot</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <input type="hidden" name="next" value="${next}">
      <label for="name">User</label><input id="name" name="name" autocomplete="username" required autofocus>
      <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
      <button type="submit">Log in</button>
    </form>`,
  });
}
