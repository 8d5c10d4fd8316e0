import { html } from "hono/html";

/**
 * Plain share links for a part's web view: no third-party script, no tracking pixel. The copy control is a
 * read-only field (select and copy works everywhere); the small inline script only adds a "Copy" button.
 */
export function ShareLinks({ url, title }: { url: string; title: string }) {
  const u = encodeURIComponent(url);
  const t = encodeURIComponent(title);
  return (
    <section class="share" aria-labelledby="share-heading">
      <h2 id="share-heading">Share this part</h2>
      <p class="share-links">
        <a href={`mailto:?subject=${t}&body=${t}%0A%0A${u}`}>Email</a> ·{" "}
        <a href={`https://www.linkedin.com/sharing/share-offsite/?url=${u}`} rel="noopener noreferrer" target="_blank">
          LinkedIn
        </a>{" "}
        ·{" "}
        <a href={`https://x.com/intent/post?text=${t}&url=${u}`} rel="noopener noreferrer" target="_blank">
          X
        </a>
      </p>
      <label for="share-url">Or copy the link</label>
      <input id="share-url" class="share-url" type="text" readonly value={url} />
      {html`<script>
(function () {
  var field = document.getElementById("share-url");
  if (!field || !navigator.clipboard) return;
  var button = document.createElement("button");
  button.type = "button"; button.className = "secondary"; button.textContent = "Copy link";
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () { button.textContent = "Copied"; });
  });
  field.insertAdjacentElement("afterend", button);
})();
</script>`}
    </section>
  );
}
