import { maskUrl } from './mask-url';

describe('maskUrl', () => {
  it.each([
    ['https://hooks.slack.com/services/T0001/B0002/s3cr3tT0k3n', 'https://hooks.slack.com/…'],
    ['https://receiver.example:8443/hooks?token=s3cr3tT0k3n', 'https://receiver.example:8443/…'],
    ['https://user:s3cr3tT0k3n@receiver.example/', 'https://receiver.example/…'],
    ['http://10.0.0.5/#s3cr3tT0k3n', 'http://10.0.0.5/…'],
    ['http://[fd00::1]:9000/x', 'http://[fd00::1]:9000/…'],
  ])('shows %j as %j', (url, shown) => {
    expect(maskUrl(url)).toBe(shown);
    expect(maskUrl(url)).not.toContain('s3cr3tT0k3n');
  });

  it('shows a URL with nothing after its host as given', () => {
    expect(maskUrl('https://receiver.example')).toBe('https://receiver.example');
    expect(maskUrl('https://receiver.example/')).toBe('https://receiver.example/');
  });

  it('redacts text that is not a URL with a host', () => {
    for (const text of ['s3cr3tT0k3n', 'data:text/plain,s3cr3tT0k3n', 'mailto:s3cr3tT0k3n@x']) expect(maskUrl(text)).toBe('(redacted)');
  });
});
