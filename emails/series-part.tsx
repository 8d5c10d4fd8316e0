/** @jsxImportSource react */
/** @jsxRuntime automatic */
import { Text } from "@react-email/components";
import { Layout, Prose, slot, styles } from "./components/layout";

/** URLs and the name are slots at build time ({{{...}}}); PreviewProps shows real-looking values. */
export interface SeriesPartProps {
  seriesTitle: string;
  number: number;
  title: string;
  preview: string;
  /** Author HTML from Markdown, relative links already pointing at {{{base_url}}}. */
  bodyHtml: string;
  ctaLabel: string;
  name: string;
  ctaUrl: string;
  unsubscribeUrl: string;
  preferencesUrl: string;
  webUrl: string;
  referralUrl: string;
  postalAddress: string;
}

/** The slot placeholders the build renders with: every per-reader value stays a slot. */
export const seriesPartSlotProps = {
  name: slot("name"),
  // The call to action is tracked link 0 (scripts/build-emails.tsx numbers the body's links from 1).
  ctaUrl: `${slot("action_url")}/0`,
  referralUrl: slot("referral_url"),
  unsubscribeUrl: slot("unsubscribe_url"),
  preferencesUrl: slot("preferences_url"),
  webUrl: slot("web_url"),
  postalAddress: slot("postal_address"),
} satisfies Partial<SeriesPartProps>;

export default function SeriesPartEmail(props: SeriesPartProps) {
  return (
    <Layout
      seriesTitle={props.seriesTitle}
      preview={props.preview}
      cta={{ label: props.ctaLabel, href: props.ctaUrl }}
      postalAddress={props.postalAddress}
      unsubscribeUrl={props.unsubscribeUrl}
      preferencesUrl={props.preferencesUrl}
      webUrl={props.webUrl}
      referralUrl={props.referralUrl}
      reason={`You are receiving this because you subscribed to ${props.seriesTitle}.`}
    >
      <Text style={styles.kicker}>{`Part ${props.number} of the series`}</Text>
      <h1 style={styles.title}>{props.title}</h1>
      <Text style={styles.text}>{`Hi ${props.name},`}</Text>
      <div style={styles.text}>
        <Prose html={props.bodyHtml} />
      </div>
    </Layout>
  );
}

export const PreviewProps: SeriesPartProps = {
  seriesTitle: "Origins of Lead Change",
  number: 1,
  title: "The Opportunity",
  preview: "Have you tested, really pushed the idea that you can make a difference?",
  bodyHtml:
    '<p>This is a preview body with a <a href="https://example.com/p/origins-of-lead-change">link</a>.</p>\n<blockquote>\n<p>"A quotation."</p>\n</blockquote>\n',
  ctaLabel: "Take some action and share it with us",
  name: "Ada",
  ctaUrl: "https://example.com/a/1.preview/0",
  unsubscribeUrl: "https://example.com/u/1.preview",
  preferencesUrl: "https://example.com/prefs/1.preview",
  webUrl: "https://example.com/p/origins-of-lead-change/1",
  referralUrl: "https://example.com/s/origins-of-lead-change?ref=1.preview",
  postalAddress: "nextpart, 1 Example Street, Springfield, USA",
};

SeriesPartEmail.PreviewProps = PreviewProps;
