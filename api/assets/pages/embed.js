// The directory's embed for partner sites. Paste where the search should appear:
//   <script src="https://DIRECTORY/embed.js" data-place="Dereham" data-needs="strength-and-balance" async></script>
// It inserts an iframe of the residents' search page (so the host page's styles and the
// search's never meet) and sizes it to its content from the page's messages, accepting them
// only from the directory's own origin and that iframe. Optional: data-accent, data-ink,
// data-paper (hex colours), data-font (sans, serif or system), data-title.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    var all = document.querySelectorAll('script[src*="/embed.js"]:not([data-embedded])');
    script = all[all.length - 1];
  }
  if (!script || script.getAttribute("data-embedded")) return;
  script.setAttribute("data-embedded", "1");
  var origin = new URL(script.src, document.baseURI).origin;
  var params = new URLSearchParams();
  params.set("embed", "1");
  var place = script.getAttribute("data-place");
  if (place) params.set("where", place);
  var needs = (script.getAttribute("data-needs") || "").split(",");
  for (var i = 0; i < needs.length; i++) {
    if (needs[i].trim()) params.append("need", needs[i].trim());
  }
  ["accent", "ink", "paper", "font"].forEach(function (name) {
    var value = script.getAttribute("data-" + name);
    if (value) params.set(name, value.replace(/^#/, ""));
  });
  var frame = document.createElement("iframe");
  frame.src = origin + "/find?" + params.toString();
  frame.title = script.getAttribute("data-title") || "Find help near you";
  frame.style.cssText = "display:block;width:100%;max-width:100%;border:0;height:36rem;";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.directoryEmbed !== 1) return;
    var height = Number(data.height);
    if (height > 0 && height < 100000) frame.style.height = Math.ceil(height) + "px";
  });
})();
