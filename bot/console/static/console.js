// A live queue: when the server says tickets arrived, the newer rows are fetched with the
// page's own filters and put at the top. Without JavaScript the queue still works; it
// just does not update by itself.
(function () {
  "use strict";
  var rows = document.getElementById("rows");
  if (!rows || !window.EventSource || rows.dataset.paged) return;
  var newest = rows.dataset.newest || "0";
  var source = null;
  function open() {
    source = new EventSource(rows.dataset.live + "?after=" + encodeURIComponent(newest));
    source.addEventListener("tickets", function () {
      var url = rows.dataset.rows + (rows.dataset.rows.indexOf("?") < 0 ? "?" : "&") +
        "after=" + encodeURIComponent(newest);
      fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (r) {
          if (!r.ok) return null;
          var top = r.headers.get("X-Newest");
          if (top) newest = top;
          return r.text();
        })
        .then(function (html) {
          if (!html || !html.trim()) return;
          // htmx puts them in (and wires any hx- attributes they carry); without it, plain DOM.
          if (window.htmx && window.htmx.swap) {
            window.htmx.swap(rows, html, { swapStyle: "afterbegin" });
          } else {
            rows.insertAdjacentHTML("afterbegin", html);
          }
          var empty = document.querySelector(".empty");
          if (empty) empty.hidden = true;
          var arrived = document.getElementById("arrived");
          if (arrived) arrived.hidden = false;
        });
    });
    source.addEventListener("signed-out", function () {
      source.close();
      window.location.reload();
    });
  }
  open();
})();

// 常用语: picking a reply template puts its words in the form's text box, to send as they
// are or to change first. (Without JavaScript an empty box is sent with the pick, and the
// service uses the template's words.)
document.addEventListener("change", function (event) {
  var pick = event.target;
  if (!pick.classList || !pick.classList.contains("phrase")) return;
  var option = pick.options[pick.selectedIndex];
  var box = pick.form && pick.form.querySelector("textarea");
  if (box && option && option.dataset.text) box.value = option.dataset.text;
});
