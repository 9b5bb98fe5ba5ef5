// earshot's own TCP/IP stack signatures for the OS guess: what each system's SYN-ACK (to a SYN
// carrying MSS, SACK-permitted, timestamps and window scale) and RST (from a closed port) look like.
// Read from the systems' defaults (Linux net/ipv4/tcp_output.c tcp_options_write order, ip_default_ttl;
// Windows' documented DefaultTTL 128; the BSDs' tcp_output.c); one entry per family of releases.

/** One stack's expected answers. */
export interface OsSignature {
  name: string;
  /** The OS family, as banner hints name it too (Linux, Windows, FreeBSD, ...). */
  family: string;
  /** Initial TTL of its packets. */
  initialTtl: number;
  /** SYN-ACK option letters in order (see TcpReply.optionOrder). */
  optionOrder: string;
  windowScales: readonly number[];
  timestamps: boolean;
  synAckWindows: readonly number[];
  dontFragment: boolean;
  rstWindow: number;
  /** Words in banners (SSH, HTTP Server) that point at this family. */
  bannerWords: readonly string[];
}

/** The signatures the guess scores against. */
export const OS_SIGNATURES: readonly OsSignature[] = [
  {
    name: 'Linux 3.x-6.x',
    family: 'Linux',
    initialTtl: 64,
    optionOrder: 'M,S,T,N,W',
    windowScales: [7, 8, 9, 10, 6, 5],
    timestamps: true,
    // 65160 and 64240: MSS 1460 links; 65483: loopback (MSS 65495); older kernels 29200, 28960, 14600, 5792.
    synAckWindows: [65160, 64240, 65483, 65535, 43690, 29200, 28960, 14600, 5792],
    dontFragment: true,
    rstWindow: 0,
    bannerWords: [
      'linux',
      'debian',
      'ubuntu',
      'fedora',
      'centos',
      'red hat',
      'rhel',
      'alpine',
      'suse',
      'arch',
    ],
  },
  {
    name: 'Windows 10/11, Server 2016-2025',
    family: 'Windows',
    initialTtl: 128,
    optionOrder: 'M,N,W,N,N,S',
    windowScales: [8],
    timestamps: false,
    synAckWindows: [65535, 64240, 8192],
    dontFragment: true,
    rstWindow: 0,
    bannerWords: ['windows', 'microsoft', 'win32', 'win64', 'iis'],
  },
  {
    name: 'FreeBSD 11-14',
    family: 'FreeBSD',
    initialTtl: 64,
    optionOrder: 'M,N,W,S,T',
    windowScales: [6, 9],
    timestamps: true,
    synAckWindows: [65535],
    dontFragment: true,
    rstWindow: 0,
    bannerWords: ['freebsd'],
  },
  {
    name: 'macOS 11-15 / iOS',
    family: 'macOS',
    initialTtl: 64,
    optionOrder: 'M,N,W,N,N,T,S,E',
    windowScales: [6],
    timestamps: true,
    synAckWindows: [65535],
    dontFragment: true,
    rstWindow: 0,
    bannerWords: ['darwin', 'macos', 'mac os'],
  },
  {
    name: 'OpenBSD 6-7',
    family: 'OpenBSD',
    initialTtl: 64,
    optionOrder: 'M,N,N,S,N,W,N,N,T',
    windowScales: [3, 6],
    timestamps: true,
    synAckWindows: [16384],
    dontFragment: true,
    rstWindow: 0,
    bannerWords: ['openbsd'],
  },
  {
    name: 'Cisco IOS',
    family: 'IOS',
    initialTtl: 255,
    optionOrder: 'M',
    windowScales: [],
    timestamps: false,
    synAckWindows: [4128],
    dontFragment: false,
    rstWindow: 4128,
    bannerWords: ['cisco'],
  },
];
