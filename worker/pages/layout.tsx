import type { Child } from "hono/jsx";

const styles = `
:root { color-scheme: light; --ink: #1d232b; --muted: #5b6672; --accent: #0b5fa5; --line: #d9dee4; }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.6 Georgia, "Iowan Old Style", serif; color: var(--ink); background: #f6f4ef; }
main { max-width: 38rem; margin: 0 auto; padding: 2.5rem 1.25rem 4rem; }
header.site { font: 600 0.85rem/1 system-ui, sans-serif; letter-spacing: .08em; text-transform: uppercase; color: var(--muted); margin-bottom: 2rem; }
header.site a { color: inherit; text-decoration: none; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .75rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .5rem; }
p.lede { font-size: 1.15rem; color: var(--muted); }
a { color: var(--accent); }
form.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1.25rem; margin: 1.5rem 0; font-family: system-ui, sans-serif; }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; font-size: .95rem; }
input[type=email], input[type=text], textarea { width: 100%; font: inherit; padding: .65rem .75rem; border: 1px solid #9aa5b1; border-radius: 6px; }
input:focus, button:focus { outline: 3px solid #7fb4e6; outline-offset: 1px; }
button { font: 600 1rem system-ui, sans-serif; background: var(--accent); color: #fff; border: 0; border-radius: 6px; padding: .75rem 1.25rem; min-height: 48px; margin-top: 1rem; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--accent); }
.consent, .hint { font-size: .9rem; color: var(--muted); margin: .75rem 0 0; }
.error { background: #fdecec; border: 1px solid #e3a4a4; color: #8a1c1c; border-radius: 6px; padding: .6rem .8rem; font-family: system-ui, sans-serif; }
.honeypot { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
ol.parts { padding-left: 1.25rem; } ol.parts li { margin: .4rem 0; } .date { color: var(--muted); font-size: .9rem; }
blockquote { border-left: 3px solid var(--line); margin: 1rem 0; padding: .1rem 1rem; color: #39424c; }
.cta { display: inline-block; background: var(--accent); color: #fff; padding: .75rem 1.25rem; border-radius: 6px; text-decoration: none; font: 600 1rem system-ui, sans-serif; }
textarea { min-height: 10rem; resize: vertical; }
blockquote.response { white-space: pre-wrap; overflow-wrap: anywhere; }
.share { margin-top: 2.5rem; font-family: system-ui, sans-serif; } .share h2 { font-size: 1.1rem; }
.share-url { color: var(--muted); }
footer { margin-top: 3rem; font: .8rem system-ui, sans-serif; color: var(--muted); }
`;

export function Layout(props: { title: string; children: Child; siteName?: string; head?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: our own stylesheet, a constant (text children would be escaped) */}
        <style dangerouslySetInnerHTML={{ __html: styles }} />
        {props.head}
      </head>
      <body>
        <main>
          <header class="site">
            <a href="/">{props.siteName ?? "nextpart"}</a>
          </header>
          {props.children}
        </main>
      </body>
    </html>
  );
}
