// Classic-BPF seccomp filters handed to bubblewrap (`bwrap --seccomp FD`). Like Docker's default
// profile and Codex's own sandbox, the filter makes a short list of syscalls fail with an errno:
// a blocked syscall looks to the command like a kernel without that feature, so tools degrade
// instead of dying. The filter never kills: an agent that trips it must see an error it can report.
//
// bwrap reads the program as a raw array of `struct sock_filter` {u16 code; u8 jt; u8 jf; u32 k}
// in native byte order; both supported architectures are little endian.

export type SeccompProfile = 'agent' | 'nested';

const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;

// struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; }
const DATA_NR = 0;
const DATA_ARCH = 4;
/** The low 32 bits of args[i]: on little endian they come first, and every flag checked here lives there. */
const argLow = (i: number): number => 16 + 8 * i;

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JSET_K = 0x45;
const BPF_RET_K = 0x06;

/** x86_64 runs x32-ABI syscalls with this bit set in nr: another table, so a filter keyed on x86_64 numbers must refuse them. */
const X32_SYSCALL_BIT = 0x40000000;

const CLONE_NEWNS = 0x00020000;
const CLONE_NEWCGROUP = 0x02000000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWPID = 0x20000000;
const CLONE_NEWNET = 0x40000000;
const CLONE_NAMESPACES = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;

const SYSCALLS = [
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
  'pidfd_getfd',
  'keyctl',
  'add_key',
  'request_key',
  'bpf',
  'perf_event_open',
  'userfaultfd',
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  'kexec_load',
  'kexec_file_load',
  'init_module',
  'finit_module',
  'delete_module',
  'reboot',
  'swapon',
  'swapoff',
  'quotactl',
  'acct',
  'iopl',
  'ioperm',
  'lookup_dcookie',
  'fanotify_init',
  'open_by_handle_at',
  'name_to_handle_at',
  'unshare',
  'setns',
  'clone',
  'clone3',
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
  'ioctl',
] as const;
type Syscall = (typeof SYSCALLS)[number];

/** null: the architecture has no such syscall, so there is nothing to block (never a guessed number). */
type SyscallTable = Readonly<Record<Syscall, number | null>>;

// arch/x86/entry/syscalls/syscall_64.tbl (checked against asm/unistd_64.h).
const X86_64: SyscallTable = {
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
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  kexec_load: 246,
  kexec_file_load: 320,
  init_module: 175,
  finit_module: 313,
  delete_module: 176,
  reboot: 169,
  swapon: 167,
  swapoff: 168,
  quotactl: 179,
  acct: 163,
  iopl: 172,
  ioperm: 173,
  lookup_dcookie: 212,
  fanotify_init: 300,
  open_by_handle_at: 304,
  name_to_handle_at: 303,
  unshare: 272,
  setns: 308,
  clone: 56,
  clone3: 435,
  mount: 165,
  umount2: 166,
  pivot_root: 155,
  mount_setattr: 442,
  move_mount: 429,
  open_tree: 428,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  ioctl: 16,
};

// include/uapi/asm-generic/unistd.h, the table arm64 uses. Port I/O (iopl, ioperm) is x86 only.
const AARCH64: SyscallTable = {
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
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  kexec_load: 104,
  kexec_file_load: 294,
  init_module: 105,
  finit_module: 273,
  delete_module: 106,
  reboot: 142,
  swapon: 224,
  swapoff: 225,
  quotactl: 60,
  acct: 89,
  iopl: null,
  ioperm: null,
  lookup_dcookie: 18,
  fanotify_init: 262,
  open_by_handle_at: 265,
  name_to_handle_at: 264,
  unshare: 97,
  setns: 268,
  clone: 220,
  clone3: 435,
  mount: 40,
  umount2: 39,
  pivot_root: 41,
  mount_setattr: 442,
  move_mount: 429,
  open_tree: 428,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  ioctl: 29,
};

interface ArchSpec {
  /** AUDIT_ARCH_* as the kernel reports it in seccomp_data.arch. */
  auditArch: number;
  rejectX32: boolean;
  table: SyscallTable;
}

// Keyed by Node's process.arch names. Both take clone's flags in arg0 (arm64's CLONE_BACKWARDS only swaps tls and child_tid).
const ARCHES: Readonly<Record<string, ArchSpec>> = {
  x64: { auditArch: 0xc000003e, rejectX32: true, table: X86_64 },
  arm64: { auditArch: 0xc00000b7, rejectX32: false, table: AARCH64 },
};

type Condition = { kind: 'always' } | { kind: 'anyBit'; arg: number; mask: number } | { kind: 'oneOf'; arg: number; values: readonly number[] };

interface Rule {
  syscall: Syscall;
  errno: number;
  when: Condition;
  /** How the rule reads in SECCOMP_BLOCKED. */
  label: string;
  /** Kept in the 'nested' profile too; false for what a process building its own sandboxes needs. */
  nested: boolean;
}

const always = (errno: number, nested: boolean, ...syscalls: Syscall[]): Rule[] =>
  syscalls.map((syscall) => ({ syscall, errno, when: { kind: 'always' }, label: syscall, nested }));

const RULES: readonly Rule[] = [
  // Reading or steering another process: the command could attach to bench's wrapper processes
  // (bwrap's init, the bash running it) and act with whatever they hold, or read their memory.
  // pidfd_getfd copies a descriptor out of another process: the report channel of the sandbox's PID 1.
  ...always(EPERM, true, 'ptrace', 'process_vm_readv', 'process_vm_writev', 'pidfd_getfd'),
  // Kernel keyrings belong to the uid, not to the sandbox: a command could read or plant keys the
  // user's other sessions (ssh agents, kerberos, filesystem credentials) rely on.
  ...always(EPERM, true, 'keyctl', 'add_key', 'request_key'),
  // Large kernel attack surface no build or test needs: eBPF, perf and io_uring are behind a steady
  // stream of privilege escalations, userfaultfd is the usual tool for widening a kernel race.
  ...always(EPERM, true, 'bpf', 'perf_event_open', 'userfaultfd', 'io_uring_setup', 'io_uring_enter', 'io_uring_register'),
  // Administering the machine: loading code into the kernel, rebooting, swap, quotas, accounting,
  // raw port I/O, profiler and fanotify hooks. Only reachable with capabilities, refused regardless.
  ...always(EPERM, true, 'kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module', 'reboot'),
  ...always(EPERM, true, 'swapon', 'swapoff', 'quotactl', 'acct', 'iopl', 'ioperm', 'lookup_dcookie', 'fanotify_init'),
  // File handles open a file by inode, bypassing the mount tree bwrap built (the "shocker" container escape).
  ...always(EPERM, true, 'open_by_handle_at', 'name_to_handle_at'),
  // New namespaces: user namespaces put much of the kernel's privileged code in reach of an
  // unprivileged process, and a mount namespace of its own lets a command remount over the
  // read-only binds and hidden folders bwrap set up. Fork and threads stay: only namespace flags count.
  ...always(EPERM, false, 'unshare', 'setns'),
  { syscall: 'clone', errno: EPERM, when: { kind: 'anyBit', arg: 0, mask: CLONE_NAMESPACES }, label: 'clone (CLONE_NEW* flags)', nested: false },
  // clone3 keeps its flags in a struct the filter cannot read; ENOSYS makes glibc fall back to clone,
  // where the flags are checked (what Docker does).
  { syscall: 'clone3', errno: ENOSYS, when: { kind: 'always' }, label: 'clone3', nested: false },
  ...always(EPERM, false, 'mount', 'umount2', 'pivot_root', 'mount_setattr', 'move_mount', 'open_tree', 'fsopen', 'fsconfig', 'fsmount', 'fspick'),
  // TIOCSTI pushes bytes into the terminal's input queue and TIOCLINUX can paste the console
  // selection: a command would type into the user's shell once bench exits. The kernel reads the
  // request as an unsigned int, so only the low 32 bits decide (a check on 64 bits is bypassable).
  { syscall: 'ioctl', errno: EPERM, when: { kind: 'oneOf', arg: 1, values: [TIOCSTI, TIOCLINUX] }, label: 'ioctl (TIOCSTI, TIOCLINUX)', nested: true },
];

const rulesFor = (profile: SeccompProfile): readonly Rule[] => (profile === 'agent' ? RULES : RULES.filter((r) => r.nested));

/** What each profile blocks, for docs and `bench` output: syscall names (qualified where only some calls are refused). */
export const SECCOMP_BLOCKED: Readonly<Record<SeccompProfile, readonly string[]>> = Object.freeze({
  agent: Object.freeze(rulesFor('agent').map((r) => r.label)),
  nested: Object.freeze(rulesFor('nested').map((r) => r.label)),
});

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const ld = (offset: number): Insn => ({ code: BPF_LD_W_ABS, jt: 0, jf: 0, k: offset });
const jeq = (k: number, jt: number, jf: number): Insn => ({ code: BPF_JEQ_K, jt, jf, k });
const jset = (k: number, jt: number, jf: number): Insn => ({ code: BPF_JSET_K, jt, jf, k });
const ret = (k: number): Insn => ({ code: BPF_RET_K, jt: 0, jf: 0, k });
const errno = (e: number): number => SECCOMP_RET_ERRNO | e;

/** `if (nr == n) { body }`: the body must end in a return, so what it loads into A never leaks into later tests of nr. */
function onSyscall(nr: number, body: Insn[]): Insn[] {
  if (body.length > 255) throw new Error(`seccomp: a ${body.length}-instruction block exceeds an 8-bit jump`);
  return [jeq(nr, 0, body.length), ...body];
}

function ruleBody(rule: Rule): Insn[] {
  const deny = ret(errno(rule.errno));
  const when = rule.when;
  if (when.kind === 'always') return [deny];
  if (when.kind === 'anyBit') return [ld(argLow(when.arg)), jset(when.mask, 0, 1), deny, ret(SECCOMP_RET_ALLOW)];
  // Each jeq jumps to the deny after the shared allow.
  const n = when.values.length;
  return [ld(argLow(when.arg)), ...when.values.map((v, i) => jeq(v, n - i, 0)), ret(SECCOMP_RET_ALLOW), deny];
}

function program(spec: ArchSpec, rules: readonly Rule[]): Insn[] {
  // Numbers of another ABI (i386 or x32 on x86_64, arm32 on arm64) mean other syscalls: refuse them all
  // rather than let a blocked syscall through under a different number.
  const insns: Insn[] = [ld(DATA_ARCH), jeq(spec.auditArch, 1, 0), ret(errno(ENOSYS)), ld(DATA_NR)];
  if (spec.rejectX32) insns.push(jset(X32_SYSCALL_BIT, 0, 1), ret(errno(ENOSYS)));
  for (const rule of rules) {
    const nr = spec.table[rule.syscall];
    if (nr !== null) insns.push(...onSyscall(nr, ruleBody(rule)));
  }
  insns.push(ret(SECCOMP_RET_ALLOW));
  return insns;
}

function encode(insns: readonly Insn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((insn, i) => {
    buf.writeUInt16LE(insn.code, i * 8);
    buf.writeUInt8(insn.jt, i * 8 + 2);
    buf.writeUInt8(insn.jf, i * 8 + 3);
    buf.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return buf;
}

/** The compiled filter for this machine's architecture, or null where bench has no syscall table (then no filter is used). */
export function seccompFilter(profile: SeccompProfile, arch: string = process.arch): Buffer | null {
  const spec = Object.hasOwn(ARCHES, arch) ? ARCHES[arch] : undefined;
  return spec ? encode(program(spec, rulesFor(profile))) : null;
}

/** libseccomp's names for the ABIs a filter must cover on each machine: the native one and the compat ones it can also run. */
const OCI_ARCHES: Readonly<Record<string, readonly string[]>> = {
  x64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
};

/**
 * The same rules as an OCI seccomp profile (JSON) for container runtimes (`--security-opt seccomp=FILE`):
 * everything allowed but what the rules refuse, with the same errnos. libseccomp maps each name to every
 * listed ABI's number, so a compat-ABI call is refused like the native one. A rule on any of several flag
 * bits becomes one rule per bit (the profile has no "masked, not equal"); an ioctl request is compared on
 * its low 32 bits, as the kernel reads it.
 */
export function seccompProfileJson(profile: SeccompProfile, arch: string = process.arch): string | null {
  const architectures = Object.hasOwn(OCI_ARCHES, arch) ? OCI_ARCHES[arch] : undefined;
  if (!architectures) return null;
  const syscalls: Array<Record<string, unknown>> = [];
  for (const rule of rulesFor(profile)) {
    const deny = { names: [rule.syscall], action: 'SCMP_ACT_ERRNO', errnoRet: rule.errno };
    const when = rule.when;
    if (when.kind === 'always') syscalls.push(deny);
    else if (when.kind === 'anyBit') {
      for (let bit = 1; bit <= 0x80000000; bit *= 2)
        if ((when.mask & bit) >>> 0) syscalls.push({ ...deny, args: [{ index: when.arg, value: bit, valueTwo: bit, op: 'SCMP_CMP_MASKED_EQ' }] });
    } else for (const v of when.values) syscalls.push({ ...deny, args: [{ index: when.arg, value: 0xffffffff, valueTwo: v, op: 'SCMP_CMP_MASKED_EQ' }] });
  }
  return JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', architectures, syscalls }, null, 1);
}
