import { addressBytes, embeddedIpv4, inCidr, parseCidr } from './ip-address';
import { OutboundPolicy, refusalMessage } from './outbound-policy';

describe('addressBytes', () => {
  it('reads IPv4 and every IPv6 spelling', () => {
    expect(addressBytes('192.168.1.20')).toEqual([192, 168, 1, 20]);
    expect(addressBytes('::1')).toEqual([...Array<number>(15).fill(0), 1]);
    expect(addressBytes('[fe80::1:2]')).toEqual([0xfe, 0x80, ...Array<number>(10).fill(0), 0, 1, 0, 2]);
    expect(addressBytes('::ffff:127.0.0.1')).toEqual(addressBytes('::ffff:7f00:1'));
    expect(addressBytes('2001:db8:0:0:0:0:0:1')).toEqual(addressBytes('2001:db8::1'));
    for (const bad of ['hooks.example', '1.2.3', '::g', 'fe80::1%eth0', '']) expect(addressBytes(bad)).toBeNull();
  });

  it('matches CIDR blocks bit by bit, never across families', () => {
    expect(inCidr(addressBytes('172.31.255.255') ?? [], parseCidr('172.16.0.0/12'))).toBe(true);
    expect(inCidr(addressBytes('172.32.0.0') ?? [], parseCidr('172.16.0.0/12'))).toBe(false);
    expect(inCidr(addressBytes('100.127.0.1') ?? [], parseCidr('100.64.0.0/10'))).toBe(true);
    expect(inCidr(addressBytes('100.128.0.1') ?? [], parseCidr('100.64.0.0/10'))).toBe(false);
    expect(inCidr(addressBytes('::ffff:10.0.0.1') ?? [], parseCidr('10.0.0.0/8'))).toBe(false);
    expect(inCidr(addressBytes('8.8.8.8') ?? [], parseCidr('0.0.0.0/0'))).toBe(true);
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/prefix length/);
  });

  it('finds the IPv4 address in mapped, compatible and NAT64 forms only', () => {
    expect(embeddedIpv4(addressBytes('::ffff:169.254.169.254') ?? [])).toBe('169.254.169.254');
    expect(embeddedIpv4(addressBytes('::7f00:1') ?? [])).toBe('127.0.0.1');
    expect(embeddedIpv4(addressBytes('64:ff9b::a00:1') ?? [])).toBe('10.0.0.1');
    expect(embeddedIpv4(addressBytes('2001:db8::7f00:1') ?? [])).toBeNull();
  });
});

describe('OutboundPolicy', () => {
  const policy = new OutboundPolicy();

  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.8.9.10', 'a loopback address'],
    ['0.0.0.0', 'an unspecified ("this network") address'],
    ['169.254.169.254', 'the cloud metadata address (link-local)'],
    ['169.254.1.1', 'a link-local address'],
    ['10.1.2.3', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.254', 'a private address'],
    ['192.168.0.10', 'a private address'],
    ['100.64.0.1', 'a carrier-grade NAT address'],
    ['224.0.0.251', 'a multicast address'],
    ['255.255.255.255', 'a reserved or broadcast address'],
    ['::', 'an unspecified address'],
    ['::1', 'a loopback address'],
    ['fe80::1', 'a link-local address'],
    ['fd00:ec2::254', 'a unique-local address'],
    ['fc00::1', 'a unique-local address'],
    ['ff02::1', 'a multicast address'],
    ['::ffff:127.0.0.1', 'a loopback address in IPv6 form (127.0.0.1)'],
    ['::ffff:a9fe:a9fe', 'the cloud metadata address (link-local) in IPv6 form (169.254.169.254)'],
    ['::10.0.0.1', 'a private address in IPv6 form (10.0.0.1)'],
    ['64:ff9b::c0a8:1', 'a private address in IPv6 form (192.168.0.1)'],
  ])('refuses %s as %s', (address, what) => {
    expect(policy.refusal(address)).toEqual({ address, what });
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::6810:85e5', '::ffff:8.8.8.8', '64:ff9b::808:808'])('allows the public address %s', (address) => {
    expect(policy.refusal(address)).toBeNull();
  });

  it('allows what the allowlist names: blocks (whatever their IPv6 form), exact hosts and *. domains', () => {
    const allowing = new OutboundPolicy(['127.0.0.1', '10.20.0.0/16', 'fd00:1::/32', 'hooks.corp.example', '*.svc.cluster.local']);

    expect(allowing.refusal('127.0.0.1')).toBeNull();
    expect(allowing.refusal('::ffff:127.0.0.1')).toBeNull();
    expect(allowing.refusal('127.0.0.2')).toMatchObject({ what: 'a loopback address' });
    expect(allowing.refusal('10.20.99.1')).toBeNull();
    expect(allowing.refusal('10.21.0.1')).toMatchObject({ what: 'a private address' });
    expect(allowing.refusal('fd00:1:2::3')).toBeNull();
    expect(allowing.refusal('fd00:2::3')).toMatchObject({ what: 'a unique-local address' });
    expect(allowing.refusal('169.254.169.254')).not.toBeNull();

    expect(allowing.allowsHost('hooks.corp.example')).toBe(true);
    expect(allowing.allowsHost('HOOKS.corp.example.')).toBe(true);
    expect(allowing.allowsHost('evil-hooks.corp.example')).toBe(false);
    expect(allowing.allowsHost('alerts.monitoring.svc.cluster.local')).toBe(true);
    expect(allowing.allowsHost('svc.cluster.local')).toBe(false);
    expect(allowing.allowsHost('cluster.local.evil.example')).toBe(false);
  });

  it('refuses what is not an address', () => {
    expect(policy.refusal('hooks.example')).toEqual({ address: 'hooks.example', what: 'not an IP address' });
  });

  it('says what was refused and which setting allows it', () => {
    expect(refusalMessage({ address: '127.0.0.1', what: 'a loopback address' })).toBe('refused: 127.0.0.1 is a loopback address (set KANSHI_OUTBOUND_ALLOWLIST to allow it)');
    expect(refusalMessage({ address: '10.0.0.5', what: 'a private address' }, 'hooks.internal')).toBe(
      'refused: hooks.internal resolves to 10.0.0.5, a private address (set KANSHI_OUTBOUND_ALLOWLIST to allow it)',
    );
  });
});
