/** A short, human description of a User-Agent ("Chrome on Linux"); the raw string if unrecognised. */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const ua = userAgent;
  const browser =
    /Edg\//.test(ua) ? 'Edge'
    : /HeadlessChrome\//.test(ua) ? 'Headless Chrome'
    : /(Chrome|Chromium)\//.test(ua) ? 'Chrome'
    : /Firefox\//.test(ua) ? 'Firefox'
    : /Safari\//.test(ua) && /Version\//.test(ua) ? 'Safari'
    : null;
  const os =
    /Windows/.test(ua) ? 'Windows'
    : /Android/.test(ua) ? 'Android'
    : /iPhone|iPad/.test(ua) ? 'iOS'
    : /Mac OS X/.test(ua) ? 'macOS'
    : /Linux/.test(ua) ? 'Linux'
    : null;
  if (browser) return os ? `${browser} on ${os}` : browser;
  return ua.length > 60 ? `${ua.slice(0, 57)}…` : ua;
}
