import { Marked } from "marked";

/** A part's Markdown body as HTML: the build and the authors' preview render it the same way. */
export const markdownToHtml = (md: string) => new Marked({ gfm: true }).parse(md, { async: false });

/** Site-relative href/src ("/p/x") → "{{{base_url}}}/p/x", so links work from an inbox. */
export const absolutize = (html: string) => html.replace(/(\s(?:href|src)=["'])\/(?!\/)/g, "$1{{{base_url}}}/");
