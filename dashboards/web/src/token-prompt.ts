// The token dialog shown when the API answers 401: asked once per tab, the
// answer is kept in sessionStorage by the API client.
import { h } from './dom.js';

export function askToken(refused: boolean): Promise<string> {
  return new Promise((resolve) => {
    const input = h('input', {
      type: 'password',
      id: 'token-input',
      name: 'token',
      required: true,
      autocomplete: 'current-password',
      'aria-label': 'API token',
    });
    const form = h(
      'form',
      { class: 'token-form', method: 'dialog' },
      h('h2', {}, 'API token required'),
      h(
        'p',
        {},
        refused
          ? 'The token was refused. Enter the API token of this gruwatch service.'
          : 'This gruwatch service requires an API token.',
      ),
      input,
      h('button', { type: 'submit', id: 'token-submit' }, 'Continue'),
    );
    const dialog = h('dialog', { id: 'token-dialog', class: 'token-dialog' }, form);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (token === '') return;
      dialog.close();
      dialog.remove();
      resolve(token);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}
