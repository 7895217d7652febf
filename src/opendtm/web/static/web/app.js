// Small behaviours of the pages (no inline scripts: the CSP forbids them).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target && target.classList && target.classList.contains("autosubmit") && target.form) {
    target.form.submit();
  }
});
