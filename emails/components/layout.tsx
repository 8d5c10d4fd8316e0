/** @jsxImportSource react */
/** @jsxRuntime automatic */
import { Body, Button, Container, Head, Html, Link, Preview, Section, Text } from "@react-email/components";
import type { CSSProperties, ReactNode } from "react";
import type { SlotName } from "../../worker/content/types";

/** The placeholder the worker fills per reader (worker/content/fill-template.ts). */
export const slot = (name: SlotName) => `{{{${name}}}}`;

const sans = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const serif = "Georgia, 'Times New Roman', Times, serif";
const ink = "#1f1f1f";
const muted = "#555555"; // 7.4:1 on white
const accent = "#0b4f8a"; // links and button, 8:1 on white

/*
 * data-text="labeled" asks scripts/build-emails.tsx to print a link as its own "Label: URL" line
 * in the plain-text part; data-text="bare" prints only its text (a URL shown as itself); data-skip-in-text drops
 * an element from it.
 */

/** Inline styles for the author's Markdown HTML: many mail clients drop <style> blocks. */
const proseStyles: Record<string, string> = {
  p: "margin:0 0 16px",
  a: `color:${accent};text-decoration:underline`,
  blockquote: `margin:0 0 16px;padding:0 0 0 16px;border-left:3px solid #c7b27c;color:#333333;font-style:italic`,
  h2: `margin:28px 0 12px;font-family:${sans};font-size:20px;line-height:1.3`,
  h3: `margin:24px 0 8px;font-family:${sans};font-size:17px;line-height:1.3`,
  ul: "margin:0 0 16px;padding:0 0 0 24px",
  ol: "margin:0 0 16px;padding:0 0 0 24px",
  li: "margin:0 0 6px",
  img: "display:block;max-width:100%;height:auto;border:0",
  small: `font-size:13px;line-height:1.5;color:${muted}`,
  hr: "border:0;border-top:1px solid #dddddd;margin:24px 0",
};
const styledTag = new RegExp(`<(${Object.keys(proseStyles).join("|")})(?=[\\s>/])`, "g");

/** Author HTML (trusted, from Markdown) with inline styles added to each known tag. */
export function Prose({ html }: { html: string }) {
  const styled = html.replace(styledTag, (_, tag: string) => `<${tag} style="${proseStyles[tag]}"`);
  // biome-ignore lint/security/noDangerouslySetInnerHtml: the author's Markdown, compiled at build time (trusted, never a reader's input)
  return <div dangerouslySetInnerHTML={{ __html: styled }} />;
}

const text: CSSProperties = { margin: "0 0 16px", fontFamily: serif, fontSize: "18px", lineHeight: "1.6", color: ink };
export const styles = {
  text,
  kicker: {
    margin: "0 0 4px",
    fontFamily: sans,
    fontSize: "13px",
    letterSpacing: "0.06em",
    textTransform: "uppercase",
    color: muted,
  },
  title: { margin: "0 0 24px", fontFamily: sans, fontSize: "28px", lineHeight: "1.25", color: ink },
} satisfies Record<string, CSSProperties>;

const footerText: CSSProperties = {
  margin: "0 0 8px",
  fontFamily: sans,
  fontSize: "13px",
  lineHeight: "1.5",
  color: muted,
};
// Big enough to tap on a phone: padding widens the target without changing the look.
const footerLink: CSSProperties = {
  color: muted,
  textDecoration: "underline",
  display: "inline-block",
  padding: "6px 0",
};

export interface LayoutProps {
  seriesTitle: string;
  preview: string;
  cta: { label: string; href: string };
  postalAddress: string;
  /** Absent in the confirmation email: there is nothing to unsubscribe from yet. */
  unsubscribeUrl?: string;
  /** The reader's preference page (series parts only): pause, the next part now, when parts arrive. */
  preferencesUrl?: string;
  webUrl?: string;
  /** The reader's own link to the signup page (series parts only), offered in the footer. */
  referralUrl?: string;
  /** Shown right after the button (e.g. the confirmation's "ignore this email"). */
  afterCta?: ReactNode;
  /** Why the reader got this email, shown above the footer links. */
  reason: string;
  children: ReactNode;
}

export function Layout(props: LayoutProps) {
  return (
    <Html lang="en">
      <Head>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <meta name="supported-color-schemes" content="light" />
        <title>{props.seriesTitle}</title>
      </Head>
      <Preview>{props.preview}</Preview>
      <Body style={{ margin: 0, padding: "24px 8px", backgroundColor: "#f3f0ea" }}>
        <Container style={{ maxWidth: "600px", backgroundColor: "#ffffff", borderRadius: "6px", padding: "28px 24px" }}>
          <Text
            style={{
              margin: "0 0 24px",
              paddingBottom: "12px",
              borderBottom: "1px solid #e5e0d5",
              fontFamily: serif,
              fontSize: "16px",
              fontWeight: "bold",
              color: accent,
            }}
          >
            {props.seriesTitle}
          </Text>
          {props.children}
          <Section style={{ margin: "8px 0 32px" }}>
            <Button
              href={props.cta.href}
              data-text="labeled"
              style={{
                backgroundColor: accent,
                color: "#ffffff",
                fontFamily: sans,
                fontSize: "16px",
                fontWeight: "bold",
                borderRadius: "6px",
                padding: "14px 20px",
                lineHeight: "1.4",
              }}
            >
              {props.cta.label}
            </Button>
          </Section>
          {props.afterCta}
          <Section style={{ borderTop: "1px solid #e5e0d5", paddingTop: "16px" }}>
            {props.referralUrl && (
              <Text style={footerText}>
                Know someone who would like this? Send them your link:{" "}
                <Link href={props.referralUrl} style={{ ...footerLink, wordBreak: "break-all" }} data-text="bare">
                  {props.referralUrl}
                </Link>
              </Text>
            )}
            <Text style={footerText}>{props.reason}</Text>
            {props.preferencesUrl && (
              <Text style={footerText}>
                Take a break, get the next part now or choose when parts arrive.{" "}
                <Link href={props.preferencesUrl} style={footerLink} data-text="labeled">
                  Your preferences
                </Link>
              </Text>
            )}
            {(props.unsubscribeUrl || props.webUrl) && (
              <Text style={footerText}>
                {props.unsubscribeUrl && (
                  <Link href={props.unsubscribeUrl} style={footerLink} data-text="labeled">
                    Unsubscribe
                  </Link>
                )}
                {props.unsubscribeUrl && props.webUrl && (
                  <span data-skip-in-text="true">{"\u00a0\u00a0·\u00a0\u00a0"}</span>
                )}
                {props.webUrl && (
                  <Link href={props.webUrl} style={footerLink} data-text="labeled">
                    View in browser
                  </Link>
                )}
              </Text>
            )}
            <Text style={{ ...footerText, margin: 0 }}>{props.postalAddress}</Text>
          </Section>
        </Container>
      </Body>
    </Html>
  );
}
