/**
 * The console's only script and stylesheet, served from /static/ (the CSP allows scripts from
 * the console itself and nothing inline). The script does two things: it hides the settings
 * that do not apply (the OAuth2 fields with Authentication "password"), and it streams the
 * test-email steps into the page as they happen. Without it, every field shows under a heading
 * that says when it applies, and SEND posts the form and the page lists the steps once the test
 * is over.
 */

export const CONSOLE_JS = `'use strict';
document.addEventListener('DOMContentLoaded', function () {
  // A group of settings that applies only with some values of others (data-when="auth=oauth2;grant=x"):
  // hidden otherwise. Without this script it stays shown, under a heading that says when it applies.
  document.querySelectorAll('[data-when]').forEach(function (group) {
    var form = group.closest('form');
    var conditions = group.getAttribute('data-when').split(';').map(function (c) {
      var at = c.indexOf('=');
      return [c.slice(0, at), c.slice(at + 1)];
    });
    var update = function () {
      group.hidden = !conditions.every(function (c) {
        var control = form.elements.namedItem(c[0]);
        return control !== null && control.value === c[1];
      });
    };
    form.addEventListener('change', update);
    update();
  });
});
document.addEventListener('DOMContentLoaded', function () {
  var button = document.querySelector('button[data-test-email]');
  if (!button) return;
  var list = document.getElementById('test-steps');
  button.addEventListener('click', function (event) {
    event.preventDefault();
    var form = button.form;
    var body = new URLSearchParams(new FormData(form));
    list.replaceChildren();
    button.disabled = true;
    var item = function (step) {
      var li = document.createElement('li');
      li.className = step.ok ? 'ok' : 'fail';
      var name = document.createElement('strong');
      name.textContent = step.step;
      li.append(name, ' ' + (step.ok ? 'ok' : 'FAILED') + ': ' + step.detail);
      if (step.hint) {
        var hint = document.createElement('p');
        hint.className = 'hint';
        hint.textContent = 'Fix: ' + step.hint;
        li.append(hint);
      }
      list.append(li);
    };
    fetch(button.getAttribute('formaction'), {
      method: 'POST',
      body: body,
      headers: { Accept: 'application/x-ndjson' },
      credentials: 'same-origin',
    }).then(function (response) {
      if (!response.ok || !response.body) {
        item({ step: 'request', ok: false, detail: 'the console answered ' + response.status + '; reload the page and try again' });
        return;
      }
      var reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      var buffer = '';
      var pump = function () {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer += chunk.value;
          var lines = buffer.split('\\n');
          buffer = lines.pop();
          lines.filter(Boolean).forEach(function (line) { item(JSON.parse(line)); });
          return pump();
        });
      };
      return pump();
    }).catch(function (err) {
      item({ step: 'request', ok: false, detail: String(err) });
    }).finally(function () {
      button.disabled = false;
      list.setAttribute('data-done', 'true');
    });
  });
});
`;

export const CONSOLE_CSS = `
:root { --accent: #1d4ed8; --border: #d1d5db; --muted: #4b5563; --ok: #15803d; --fail: #b91c1c; }
* { box-sizing: border-box; }
/* --muted is #4b5563: 7.5:1 on white, 6.9:1 on the #f3f4f6 of code.key and the page (WCAG AA asks 4.5:1). */
.skip { position: absolute; left: -10000px; top: 8px; }
.skip:focus { left: 8px; z-index: 10; padding: 6px 12px; border-radius: 5px; background: #fff; color: var(--accent); font-weight: 600; }
main:focus { outline: none; }
form.confirm { display: flex; gap: 14px; align-items: center; margin-top: 16px; }
body { margin: 0; font: 15px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #111827; background: #f3f4f6; }
header.top { display: flex; justify-content: space-between; align-items: center; padding: 10px 24px; background: #111827; color: #f9fafb; }
header.top .node { margin-left: 8px; color: #d1d5db; }
.badge { margin-left: 8px; padding: 1px 8px; border-radius: 10px; background: #374151; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
header.top form { display: flex; gap: 10px; align-items: center; margin: 0; }
header.top button { background: transparent; color: #f9fafb; border: 1px solid #6b7280; }
.frame { display: flex; min-height: calc(100vh - 52px); }
nav { width: 200px; padding: 16px 0; background: #fff; border-right: 1px solid var(--border); }
.nav-group { margin-bottom: 14px; }
.nav-title { display: block; padding: 0 20px; font-size: 11px; font-weight: 700; color: var(--muted); text-transform: uppercase; letter-spacing: .08em; }
nav a { display: block; padding: 6px 20px; color: #111827; text-decoration: none; }
nav a[aria-current="page"] { background: #eff6ff; color: var(--accent); border-left: 3px solid var(--accent); padding-left: 17px; font-weight: 600; }
main { flex: 1; max-width: 980px; padding: 20px 32px 40px; }
h1 { margin: 0 0 16px; font-size: 24px; }
h2 { margin: 24px 0 8px; font-size: 17px; }
form.settings, section.test { background: #fff; border: 1px solid var(--border); border-radius: 8px; padding: 18px 20px; }
fieldset { border: 0; margin: 0; padding: 0; }
.field { margin-bottom: 14px; }
.field label { font-weight: 600; }
.field input[type=text], .field input[type=email], .field input[type=password] { display: block; width: 100%; max-width: 460px; margin-top: 4px; padding: 7px 9px; border: 1px solid var(--border); border-radius: 5px; font: inherit; }
.field input:disabled { background: #f3f4f6; color: #374151; }
.field.check label { margin-left: 4px; }
code.key { font-size: 12px; color: var(--muted); background: #f3f4f6; padding: 1px 5px; border-radius: 4px; }
.hint { margin: 3px 0 0; font-size: 13px; color: var(--muted); }
/* The settings forms' config keys: dark enough on their grey to read (WCAG AA, 4.5:1). */
code.key.setting-key { color: #4b5563; }
.field.check input:not(:checked) ~ .hint .hint-on, .field.check input:checked ~ .hint .hint-off { display: none; }
fieldset[data-when] { margin-top: 8px; }
legend { font-weight: 700; padding: 0; margin-bottom: 8px; }
.field.invalid input { border-color: var(--fail); }
.field-error { margin: 3px 0 0; color: var(--fail); font-weight: 600; font-size: 14px; }
section.test { margin-top: 16px; border-style: dashed; }
section.test h2 { margin-top: 0; }
.steps { margin: 10px 0 0; padding-left: 22px; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.steps li.ok strong, .ok { color: var(--ok); }
.steps li.fail, .fail { color: var(--fail); }
.actions { margin-top: 16px; }
button { font: inherit; padding: 6px 14px; border-radius: 5px; border: 1px solid var(--border); background: #fff; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; }
button.danger { color: var(--fail); border-color: #fca5a5; }
button:disabled { opacity: .6; cursor: default; }
.banner { margin: 0 0 16px; padding: 10px 14px; border-radius: 6px; border: 1px solid; }
.banner.info { background: #eff6ff; border-color: #93c5fd; }
.banner.success { background: #f0fdf4; border-color: #86efac; }
.banner.warning { background: #fffbeb; border-color: #fcd34d; }
.banner.error { background: #fef2f2; border-color: #fca5a5; }
.banner p { margin: 4px 0; }
pre.command { white-space: pre-wrap; word-break: break-all; background: #111827; color: #f9fafb; padding: 10px 12px; border-radius: 6px; }
table.facts, table.list { border-collapse: collapse; background: #fff; border: 1px solid var(--border); width: 100%; }
table.facts th { text-align: left; width: 190px; color: var(--muted); font-weight: 600; }
table.facts th, table.facts td, table.list th, table.list td { padding: 7px 10px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
table.list th { text-align: left; font-size: 13px; color: var(--muted); }
.row-actions { display: flex; gap: 6px; }
.row-actions form { margin: 0; }
.muted { color: var(--muted); }
code.wrap { word-break: break-all; }
.login { max-width: 360px; margin: 12vh auto; background: #fff; border: 1px solid var(--border); border-radius: 8px; padding: 24px; }
.login h1 { font-size: 20px; }
`;
