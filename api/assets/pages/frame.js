// Residents' pages: optional extras. Everything works without this script.
// - Inside a partner's embed (an iframe), tells the parent page how tall the content is.
// - Shows the "Print this list" button (hidden without JavaScript) and makes it print.
(function () {
  "use strict";
  var print = document.querySelectorAll("[data-print]");
  for (var i = 0; i < print.length; i++) {
    print[i].hidden = false;
    print[i].addEventListener("click", function () { window.print(); });
  }
  if (window.parent === window) return;
  var last = 0;
  function send() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ directoryEmbed: 1, height: height }, "*");
    }
  }
  send();
  window.addEventListener("load", send);
  if (window.ResizeObserver) new ResizeObserver(send).observe(document.body);
  else window.setInterval(send, 500);
})();
