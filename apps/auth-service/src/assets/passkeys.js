// Passkeys on /login, /login/second-factor and /account/security. Served from 'self' (the CSP
// allows no inline script): buttons carry their endpoints and form token in data- attributes.
// Uses SimpleWebAuthnBrowser (the @simplewebauthn/browser bundle, loaded before this file).
(function () {
  'use strict';

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) throw new Error(data.error || 'The request was refused (' + res.status + ').');
        return data;
      });
    });
  }

  function run(button) {
    const lib = window.SimpleWebAuthnBrowser;
    const section = button.closest('section');
    const status = section ? section.querySelector('[data-passkey-status]') : null;
    const say = function (text) { if (status) status.textContent = text; };
    if (!lib || !lib.browserSupportsWebAuthn()) return say('This browser does not support passkeys.');
    const mode = button.getAttribute('data-passkey');
    const csrf = button.getAttribute('data-csrf');
    const authz = button.getAttribute('data-authz');
    button.disabled = true;
    say('Waiting for your passkey…');
    const base = { csrf: csrf };
    if (authz) base.authz = authz;
    post(button.getAttribute('data-options'), base)
      .then(function (started) {
        const ceremony = mode === 'register'
          ? lib.startRegistration({ optionsJSON: started.options })
          : lib.startAuthentication({ optionsJSON: started.options });
        return ceremony.then(function (response) {
          const body = { csrf: csrf, ticket: started.ticket, response: response };
          const label = document.querySelector('[data-passkey-label]');
          if (mode === 'register' && label) body.label = label.value;
          return post(button.getAttribute('data-verify'), body);
        });
      })
      .then(function (done) {
        say('Done.');
        if (done.redirect && done.redirect.charAt(0) === '/' && done.redirect.charAt(1) !== '/') window.location.assign(done.redirect);
      })
      .catch(function (err) {
        say(err && err.message ? err.message : 'The passkey did not work.');
        button.disabled = false;
      });
  }

  document.addEventListener('DOMContentLoaded', function () {
    const buttons = document.querySelectorAll('button[data-passkey]');
    for (let i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener('click', function (event) { run(event.currentTarget); });
    }
  });
})();
