/**
 * The rate-limit key of a client address: IPv4 as is, IPv6 as its /64 prefix (one subscriber line or host
 * gets a whole /64, so the full address would give an attacker 2^64 keys). `::ffff:a.b.c.d` is IPv4.
 */
export function clientKey(ip: string | undefined): string {
  const address = ip?.trim().toLowerCase() ?? "";
  if (isIPv4(address)) return address;
  const groups = expandIPv6(address);
  if (!groups) return "unknown";
  // IPv4-mapped (::ffff:0:0/96): the same client as its IPv4 address.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16).padStart(4, "0"))
    .join(":")}::/64`;
}

function isIPv4(address: string): boolean {
  const parts = address.split(".");
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

/** "2001:db8::1" → eight 16-bit groups; null when it is not an IPv6 address. */
function expandIPv6(address: string): number[] | null {
  let text = address.replace(/%.*$/, ""); // a zone id (fe80::1%eth0) names an interface, not a client
  if (!/^[0-9a-f:.]+$/.test(text) || text.length > 45) return null;
  // A trailing dotted quad (::ffff:1.2.3.4) is two groups.
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted) {
    if (!isIPv4(dotted[2]!)) return null;
    const [a, b, c, d] = dotted[2]!.split(".").map(Number) as [number, number, number, number];
    text = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (half: string) => (half === "" ? [] : half.split(":"));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}
