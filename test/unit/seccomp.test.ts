// The seccomp filters, decoded and run through a small classic-BPF interpreter on synthetic
// seccomp_data: what the kernel would answer for each syscall, on both architectures.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { SECCOMP_BLOCKED, seccompFilter, type SeccompProfile } from '../../src/control/seccomp.ts';

const ALLOW = 0x7fff0000;
const EPERM = 0x00050000 | 1;
const ENOSYS = 0x00050000 | 38;

const CLONE_VM = 0x100;
const CLONE_THREAD = 0x10000;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWNS = 0x20000;
const SIGCHLD = 17;

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

function decode(buf: Buffer): Insn[] {
  expect(buf.length % 8).toBe(0);
  return Array.from({ length: buf.length / 8 }, (_, i) => ({
    code: buf.readUInt16LE(i * 8),
    jt: buf.readUInt8(i * 8 + 2),
    jf: buf.readUInt8(i * 8 + 3),
    k: buf.readUInt32LE(i * 8 + 4),
  }));
}

/** struct seccomp_data as the kernel lays it out on a little-endian machine. */
function seccompData(nr: number, arch: number, args: Array<number | bigint> = []): Buffer {
  const data = Buffer.alloc(64);
  data.writeUInt32LE(nr >>> 0, 0);
  data.writeUInt32LE(arch >>> 0, 4);
  args.forEach((a, i) => data.writeBigUInt64LE(BigInt(a), 16 + 8 * i));
  return data;
}

/** Enough of classic BPF for these filters: anything else is a failure, as is running off the end. */
function runFilter(prog: Insn[], data: Buffer): number {
  let a = 0;
  for (let pc = 0, steps = 0; steps < 10_000; steps++) {
    if (pc < 0 || pc >= prog.length) throw new Error(`pc ${pc} outside the program`);
    const { code, jt, jf, k } = prog[pc];
    switch (code) {
      case 0x20: // ld [k]
        if (k % 4 !== 0 || k + 4 > data.length) throw new Error(`bad load offset ${k}`);
        a = data.readUInt32LE(k);
        pc++;
        break;
      case 0x15: // jeq #k
        pc += 1 + (a === k ? jt : jf);
        break;
      case 0x45: // jset #k
        pc += 1 + ((a & k) >>> 0 !== 0 ? jt : jf);
        break;
      case 0x06: // ret #k
        return k;
      default:
        throw new Error(`unexpected opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('filter did not return');
}

interface ArchCase {
  arch: string;
  auditArch: number;
  /** Independent of the module: taken from the kernel's tables, cross-checked against the headers below where installed. */
  nr: Record<string, number>;
  /** Blocked syscalls that do not exist on this architecture. */
  absent: string[];
  header: string;
}

const X64: ArchCase = {
  arch: 'x64',
  auditArch: 0xc000003e,
  header: '/usr/include/x86_64-linux-gnu/asm/unistd_64.h',
  absent: [],
  nr: {
    read: 0,
    write: 1,
    openat: 257,
    execve: 59,
    clone: 56,
    clone3: 435,
    ioctl: 16,
    ptrace: 101,
    process_vm_readv: 310,
    process_vm_writev: 311,
    pidfd_getfd: 438,
    keyctl: 250,
    add_key: 248,
    request_key: 249,
    bpf: 321,
    perf_event_open: 298,
    userfaultfd: 323,
    kexec_load: 246,
    kexec_file_load: 320,
    init_module: 175,
    finit_module: 313,
    delete_module: 176,
    mount: 165,
    umount2: 166,
    pivot_root: 155,
    swapon: 167,
    swapoff: 168,
    reboot: 169,
    setns: 308,
    unshare: 272,
    open_by_handle_at: 304,
    name_to_handle_at: 303,
    iopl: 172,
    ioperm: 173,
    quotactl: 179,
    acct: 163,
    lookup_dcookie: 212,
    fanotify_init: 300,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    mount_setattr: 442,
    move_mount: 429,
    open_tree: 428,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
  },
};

const ARM64: ArchCase = {
  arch: 'arm64',
  auditArch: 0xc00000b7,
  header: '/usr/include/asm-generic/unistd.h',
  absent: ['iopl', 'ioperm'],
  nr: {
    read: 63,
    write: 64,
    openat: 56,
    execve: 221,
    clone: 220,
    clone3: 435,
    ioctl: 29,
    ptrace: 117,
    process_vm_readv: 270,
    process_vm_writev: 271,
    pidfd_getfd: 438,
    keyctl: 219,
    add_key: 217,
    request_key: 218,
    bpf: 280,
    perf_event_open: 241,
    userfaultfd: 282,
    kexec_load: 104,
    kexec_file_load: 294,
    init_module: 105,
    finit_module: 273,
    delete_module: 106,
    mount: 40,
    umount2: 39,
    pivot_root: 41,
    swapon: 224,
    swapoff: 225,
    reboot: 142,
    setns: 268,
    unshare: 97,
    open_by_handle_at: 265,
    name_to_handle_at: 264,
    quotactl: 60,
    acct: 89,
    lookup_dcookie: 18,
    fanotify_init: 262,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    mount_setattr: 442,
    move_mount: 429,
    open_tree: 428,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
  },
};

const NESTED_ALLOWS = [
  'unshare',
  'setns',
  'mount',
  'umount2',
  'pivot_root',
  'mount_setattr',
  'move_mount',
  'open_tree',
  'fsopen',
  'fsconfig',
  'fsmount',
  'fspick',
];
const PLAIN_BLOCKS = [
  'ptrace',
  'process_vm_writev',
  'pidfd_getfd',
  'process_vm_readv',
  'keyctl',
  'add_key',
  'request_key',
  'bpf',
  'perf_event_open',
  'userfaultfd',
  'kexec_load',
  'kexec_file_load',
  'init_module',
  'finit_module',
  'delete_module',
  'swapon',
  'swapoff',
  'reboot',
  'open_by_handle_at',
  'name_to_handle_at',
  'iopl',
  'ioperm',
  'quotactl',
  'acct',
  'lookup_dcookie',
  'fanotify_init',
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
];

const PROFILES: SeccompProfile[] = ['agent', 'nested'];

for (const c of [X64, ARM64]) {
  describe(`seccomp filter on ${c.arch}`, () => {
    const prog = (profile: SeccompProfile): Insn[] => decode(seccompFilter(profile, c.arch)!);
    const call = (profile: SeccompProfile, name: string, args: Array<number | bigint> = []): number => {
      expect(c.nr[name], `test table has ${name}`).toBeTypeOf('number');
      return runFilter(prog(profile), seccompData(c.nr[name], c.auditArch, args));
    };

    test.each(PROFILES)('%s: ordinary syscalls are allowed', (profile) => {
      for (const name of ['read', 'write', 'openat', 'execve']) expect(call(profile, name), name).toBe(ALLOW);
      expect(call(profile, 'clone', [SIGCHLD])).toBe(ALLOW);
      expect(call(profile, 'clone', [CLONE_VM | CLONE_THREAD | SIGCHLD])).toBe(ALLOW);
      expect(call(profile, 'ioctl', [1, 0x5401])).toBe(ALLOW); // TCGETS
    });

    test.each(PROFILES)('%s: every fully blocked syscall returns EPERM', (profile) => {
      for (const name of PLAIN_BLOCKS.filter((n) => !c.absent.includes(n))) expect(call(profile, name), name).toBe(EPERM);
    });

    test('agent: namespace and mount syscalls return EPERM, clone3 ENOSYS', () => {
      for (const name of NESTED_ALLOWS) expect(call('agent', name), name).toBe(EPERM);
      expect(call('agent', 'clone3')).toBe(ENOSYS);
    });

    test('nested: namespace and mount syscalls and clone3 are allowed', () => {
      for (const name of [...NESTED_ALLOWS, 'clone3']) expect(call('nested', name), name).toBe(ALLOW);
    });

    test('clone with namespace flags: EPERM in agent, allowed in nested; only the low 32 bits count', () => {
      expect(call('agent', 'clone', [CLONE_NEWUSER | SIGCHLD])).toBe(EPERM);
      expect(call('agent', 'clone', [CLONE_NEWNS])).toBe(EPERM);
      expect(call('agent', 'clone', [0x7e020000])).toBe(EPERM); // every CLONE_NEW* flag
      expect(call('nested', 'clone', [CLONE_NEWUSER | SIGCHLD])).toBe(ALLOW);
      expect(call('agent', 'clone', [(1n << 32n) | BigInt(SIGCHLD)])).toBe(ALLOW);
      expect(call('agent', 'clone', [SIGCHLD, CLONE_NEWUSER])).toBe(ALLOW); // a flag bit in another argument
    });

    test.each(PROFILES)('%s: ioctl TIOCSTI and TIOCLINUX return EPERM, whatever the high bits', (profile) => {
      expect(call(profile, 'ioctl', [0, 0x5412])).toBe(EPERM);
      expect(call(profile, 'ioctl', [0, 0x541c])).toBe(EPERM);
      // The kernel truncates the request to an unsigned int, so these are TIOCSTI too.
      expect(call(profile, 'ioctl', [0, 0xffffffff00005412n])).toBe(EPERM);
      expect(call(profile, 'ioctl', [0x5412, 0x5401])).toBe(ALLOW);
    });

    test.each(PROFILES)('%s: a foreign architecture gets ENOSYS for everything', (profile) => {
      for (const foreign of [0x40000003 /* i386 */, 0x40000028 /* arm */, c.auditArch === X64.auditArch ? ARM64.auditArch : X64.auditArch]) {
        expect(runFilter(prog(profile), seccompData(c.nr.read, foreign))).toBe(ENOSYS);
      }
    });

    test.each(PROFILES)('%s: the program stays in bounds, small, and never kills', (profile) => {
      const p = prog(profile);
      expect(p.length).toBeGreaterThan(0);
      expect(p.length).toBeLessThanOrEqual(4096);
      p.forEach((insn, i) => {
        if (insn.code === 0x15 || insn.code === 0x45) {
          expect(i + 1 + insn.jt, `jt at ${i}`).toBeLessThan(p.length);
          expect(i + 1 + insn.jf, `jf at ${i}`).toBeLessThan(p.length);
        } else if (insn.code === 0x06) {
          expect([ALLOW, EPERM, ENOSYS], `ret at ${i}`).toContain(insn.k);
        } else {
          expect(insn.code, `opcode at ${i}`).toBe(0x20);
          expect(insn.jt + insn.jf).toBe(0);
        }
      });
      expect(p.at(-1)).toEqual({ code: 0x06, jt: 0, jf: 0, k: ALLOW });
    });

    test.skipIf(!existsSync(c.header))(`the test's syscall numbers match ${c.header}`, () => {
      const text = readFileSync(c.header, 'utf8');
      const defined = new Map([...text.matchAll(/^#define __NR(?:3264)?_(\w+)\s+(\d+)\s*$/gm)].map((m) => [m[1], Number(m[2])]));
      for (const [name, nr] of Object.entries(c.nr)) expect(defined.get(name), name).toBe(nr);
      for (const name of c.absent) expect(defined.has(name), name).toBe(false);
    });
  });
}

test('x32 syscall numbers count as a foreign ABI on x64', () => {
  const p = decode(seccompFilter('agent', 'x64')!);
  expect(runFilter(p, seccompData(0x40000000 | 0, X64.auditArch))).toBe(ENOSYS);
  expect(runFilter(p, seccompData(0x40000000 | 512, X64.auditArch))).toBe(ENOSYS);
  expect(runFilter(decode(seccompFilter('nested', 'x64')!), seccompData(0x40000001, X64.auditArch))).toBe(ENOSYS);
});

test('architectures without a syscall table get no filter', () => {
  for (const arch of ['ia32', 'arm', 'riscv64', 's390x', 'ppc64', 'toString', '']) expect(seccompFilter('agent', arch), arch).toBeNull();
  expect(seccompFilter('agent')).toEqual(['x64', 'arm64'].includes(process.arch) ? expect.any(Buffer) : null);
});

test('SECCOMP_BLOCKED lists what each profile refuses', () => {
  const qualifiedClone = 'clone (CLONE_NEW* flags)';
  const qualifiedIoctl = 'ioctl (TIOCSTI, TIOCLINUX)';
  expect(new Set(SECCOMP_BLOCKED.agent)).toEqual(new Set([...PLAIN_BLOCKS, ...NESTED_ALLOWS, 'clone3', qualifiedClone, qualifiedIoctl]));
  expect(new Set(SECCOMP_BLOCKED.nested)).toEqual(new Set([...PLAIN_BLOCKS, qualifiedIoctl]));
  expect(SECCOMP_BLOCKED.agent.length).toBe(new Set(SECCOMP_BLOCKED.agent).size);
});
