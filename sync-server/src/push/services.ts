// Which push services a device's subscription may name. The server posts to a subscription's endpoint, so an
// endpoint is an address chosen by the device: left open, anyone signed in could have this server send
// requests into its own network. Browsers' push services are few and known (PUSH_SERVICES).

/** Letters, digits and hyphens in dot-separated labels: nothing any URL parser reads as the end of a host. */
const DNS_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

/**
 * PUSH_SERVICES as a test: an entry with a scheme is a whole origin (a local stand-in in tests); one without is
 * a host name, matched over https, itself or any host under it (`push.apple.com` takes `web.push.apple.com`).
 */
export function pushServiceCheck(list: string): (endpoint: string) => boolean {
  const entries = list.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean);
  const origins = new Set(entries.filter((e) => e.includes('://')).map((e) => new URL(e).origin));
  const hosts = entries.filter((e) => !e.includes('://'));
  return (endpoint) => {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return false;
    }
    if (url.username || url.password) return false;
    // web-push reaches the endpoint through Node's legacy url.parse, which reads some hosts differently from URL:
    // `https://127.0.0.1%2efcm.googleapis.com/` is fcm.googleapis.com's to URL and 127.0.0.1 to url.parse, and
    // `https://10.0.0.1;.fcm.googleapis.com/` is 10.0.0.1. Only an endpoint already in canonical form, with a
    // plain DNS name, reads the same to both: browsers give nothing else.
    if (url.href !== endpoint || !DNS_NAME.test(url.hostname)) return false;
    if (origins.has(url.origin)) return true;
    return url.protocol === 'https:' && url.port === '' && hosts.some((h) => url.hostname === h || url.hostname.endsWith(`.${h}`));
  };
}
