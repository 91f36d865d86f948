/* Disclosure buttons for narrow screens (the navigation menu, the overview's filters): a click toggles the target's
 * `show` class and the button's aria-expanded. Plain DOM, no Dash round trip, no requests. */
(function () {
  'use strict';
  document.addEventListener('click', function (ev) {
    var btn = ev.target.closest ? ev.target.closest('[data-r2p-toggle]') : null;
    if (!btn) { return; }
    var target = document.getElementById(btn.getAttribute('data-r2p-toggle'));
    if (!target) { return; }
    var open = !target.classList.contains('show');
    target.classList.toggle('show', open);
    btn.setAttribute('aria-expanded', open ? 'true' : 'false');
  });
})();
