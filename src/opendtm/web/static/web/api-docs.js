// The API docs' skip link moves focus itself: Swagger UI rewrites the address's fragment as
// it draws, which can stop the browser's own move to the target.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.skip-link");
  var target = link && document.getElementById(link.hash.slice(1));
  if (target) {
    event.preventDefault();
    target.focus();
    target.scrollIntoView();
  }
});
