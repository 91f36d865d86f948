/* Programmatic labels for Dash 4's dropdowns and range sliders (WCAG 1.3.1 / 4.1.2).
 *
 * A dcc.Dropdown renders a focusable <input class="dash-dropdown-focus-target" aria-hidden="true"> (what Tab
 * reaches) and a <button id=ID aria-labelledby="ID-value-count ID-value"> (named by its value only: "button 2024").
 * The page's <label for=ID> names neither. This names both "label: value" (aria-label, the visible text as shown); the focus
 * target becomes a collapsed/expanded combobox instead of a hidden focusable element. A dcc.RangeSlider's two number
 * boxes get "<label>: from" / "<label>: to". Re-applied whenever Dash re-renders (MutationObserver); only
 * attributes are touched, never the DOM structure React owns. */
(function () {
  'use strict';

  function labelFor(id) {
    var label = document.querySelector('label[for="' + CSS.escape(id) + '"]');
    if (!label) { return null; }
    if (!label.id) { label.id = id + '--label'; }
    return label;
  }

  function set(el, name, value) {
    if (el.getAttribute(name) !== value) { el.setAttribute(name, value); }
  }

  function dropdowns() {
    document.querySelectorAll('.dash-dropdown-wrapper').forEach(function (wrap) {
      var button = wrap.querySelector('button.dash-dropdown[id]');
      var target = wrap.querySelector('.dash-dropdown-focus-target');
      if (!button) { return; }
      var label = labelFor(button.id);
      // the label, then the button's own visible text (value, "2 selected") exactly as shown
      var box = button.getBoundingClientRect();
      var shown = Array.prototype.filter.call(button.querySelectorAll('span'), function (s) {
        var r = s.getBoundingClientRect();  // the parts on screen: a narrow button clips later values
        return !s.children.length && s.textContent.trim() && r.width > 0 && r.left < box.right && r.right > box.left;
      }).map(function (s) { return s.textContent.trim(); }).join(' ');
      var name = ((label ? label.textContent.trim() + ': ' : '') + shown).replace(/\s+/g, ' ');
      button.removeAttribute('aria-labelledby');
      set(button, 'aria-label', name);
      if (target) {
        target.removeAttribute('aria-hidden');
        set(target, 'role', 'combobox');
        set(target, 'aria-label', name);
        set(target, 'aria-haspopup', 'listbox');
        set(target, 'aria-expanded', button.getAttribute('aria-expanded') || 'false');
        set(target, 'aria-controls', button.getAttribute('aria-controls') || button.id);
      }
    });
  }

  function sliders() {
    document.querySelectorAll('.dash-slider-container[id]').forEach(function (box) {
      var label = labelFor(box.id);
      var text = label ? label.textContent.trim() : 'Range';
      var lo = box.querySelector('.dash-range-slider-min-input');
      var hi = box.querySelector('.dash-range-slider-max-input');
      if (lo) { set(lo, 'aria-label', text + ': from'); }
      if (hi) { set(hi, 'aria-label', text + ': to'); }
      box.querySelectorAll('[role="slider"]').forEach(function (thumb, i, all) {
        if (!thumb.getAttribute('aria-labelledby') && !thumb.getAttribute('aria-label')) {
          set(thumb, 'aria-label', all.length === 2 ? text + (i ? ': to' : ': from') : text);
        }
      });
    });
  }

  var queued = false;
  function apply() {
    queued = false;
    dropdowns();
    sliders();
  }
  function schedule() {
    if (!queued) { queued = true; window.requestAnimationFrame(apply); }
  }
  new MutationObserver(schedule).observe(document.documentElement, {
    childList: true, subtree: true, attributes: true, characterData: true,
    attributeFilter: ['aria-expanded', 'aria-labelledby', 'aria-hidden', 'class']
  });
  document.addEventListener('DOMContentLoaded', schedule);
  window.addEventListener('resize', schedule);
})();
