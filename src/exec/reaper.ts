// Keeping unsandboxed commands from leaving processes behind. runProcess kills a command's process
// group, but a command can leave the group (setsid, set -m, double forks, nohup, disown). On Linux the
// command therefore runs under a tiny wrapper that is a child subreaper (prctl PR_SET_CHILD_SUBREAPER):
// whatever its descendants orphan is re-parented to the wrapper instead of init, whatever session or
// group it moved to, so once the command exits (or the wrapper is told to stop) the wrapper can find
// and kill all of it. Node cannot call prctl, so the wrapper is perl (perl-base is Essential on Debian
// and present on nearly every Linux), or python3 with ctypes where perl is missing. A wrapper killed
// outright (SIGKILL, the OOM killer) cannot clean up; for that, killMarked sweeps by an environment
// marker at the end of a trial. Elsewhere than Linux there is no subreaper: callers keep to process
// groups only, and should say so where they record how commands ran.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { onPath } from './locate.ts';

export interface Reaper {
  /** argv that runs `argv` under the subreaper. */
  wrap(argv: readonly string[]): string[];
  /** What it is (e.g. 'perl subreaper'), for run.json. */
  readonly detail: string;
}

// Both wrappers behave the same:
// - With no command they only check that the subreaper flag took, print "ok", and exit (the probe).
// - The command's exit status passes through; death by signal N becomes 128+N, as in a shell. A
//   command that cannot be executed gives 127 (not found) or 126, with a message on stderr.
// - When the command exits, every remaining descendant is SIGKILLed, found by their ppid chains in
//   /proc (each pass kills a whole tree at once, so fork loops converge), and reaped, until there are
//   no children left. Bounded (~7 s) so a descendant that cannot be killed (setuid, stuck in D state)
//   cannot hold the command open forever.
// - On SIGTERM/SIGINT/SIGHUP (runProcess's timeout and abort signal the whole group) the signal is
//   passed on to every descendant, including those outside the group, which get ~0.5 s to exit before
//   the same SIGKILL sweep: well inside runProcess's 2 s grace before it SIGKILLs the group, wrapper
//   included.
// - When the process that started the wrapper dies, however it dies (kill -9 included), the kernel sends
//   the wrapper SIGTERM (PR_SET_PDEATHSIG), which stops the command as above: nothing bench started this
//   way outlives bench.
// - The command gets the wrapper's environment, stdio and signal dispositions unchanged.
// perl runs with -t: taint mode is what makes perl ignore PERL5OPT and PERL5LIB, which a task's
// environment may well set (Devel::Cover) and which would otherwise load modules into the wrapper;
// `no warnings` keeps -t's taint complaints about the command's argv and PATH off the command's stderr.
const PERL_SCRIPT = String.raw`no warnings;
use Config;
my @SIGS = qw(TERM INT HUP);
my %SIGNUM = (HUP => 1, INT => 2, TERM => 15);
sub fail { print STDERR "bench-reaper: @_\n"; exit 126 }
# The prctl syscall number by architecture (syscall.ph is not in perl-base, and costs 10 ms to load).
my ($arch) = split /-/, $Config{archname};
my $nr = $Config{ptrsize} == 8 ? { x86_64 => 157, aarch64 => 167 }->{$arch} : undef;
$nr = eval { require 'syscall.ph'; SYS_prctl() } unless defined $nr;
defined $nr or fail("no prctl syscall number for $Config{archname}");
syscall($nr, 36, 1, 0, 0, 0) == 0 or fail("prctl(PR_SET_CHILD_SUBREAPER): $!");
my $on = pack 'i', 0;
syscall($nr, 37, $on, 0, 0, 0) == 0 && unpack('i', $on) == 1 or fail('PR_GET_CHILD_SUBREAPER does not confirm the flag');
unless (@ARGV) { print "ok\n"; exit 0 }
$0 = 'bench-reaper';
# The process that started the wrapper (bench): when it dies, even by SIGKILL, the kernel sends SIGTERM.
my $parent = shift @ARGV;
syscall($nr, 1, 15, 0, 0, 0) == 0 or fail("prctl(PR_SET_PDEATHSIG): $!");

sub descendants {
  my %kids;
  opendir my $d, '/proc' or return;
  while (defined(my $p = readdir $d)) {
    next unless $p =~ /^\d+$/;
    open my $f, '<', "/proc/$p/stat" or next;
    my $s = '';
    read $f, $s, 4096;
    push @{ $kids{$1} }, $p if $s =~ /.*\) \S (\d+)/s;
  }
  my @out;
  my @todo = ($$);
  while (@todo) { my $k = $kids{ shift @todo } or next; push @out, @$k; push @todo, @$k }
  return @out;
}
# Reaps what has exited; true while children remain.
sub reap { my $p; 1 while ($p = waitpid(-1, 1)) > 0; return $p == 0 }
sub sweep {
  for my $round (1 .. 400) {
    my @d = descendants();
    kill 'KILL', @d if @d;
    return if !reap() && !@d;
    select undef, undef, undef, $round < 50 ? 0.002 : 0.02;
  }
}
sub stop {
  my $sig = shift;
  $SIG{$_} = 'IGNORE' for @SIGS;
  my @d = descendants();
  kill $sig, @d if @d;
  for (1 .. 50) { reap(); last unless descendants(); select undef, undef, undef, 0.01 }
  sweep();
  exit 128 + $SIGNUM{$sig};
}
$SIG{CHLD} = 'DEFAULT';
$SIG{$_} = \&stop for @SIGS;
stop('TERM') if getppid() != $parent;    # it died before the signal was asked for
my $main = fork;
defined $main or fail("fork: $!");
if (!$main) {
  $SIG{$_} = 'DEFAULT' for @SIGS;
  exec { $ARGV[0] } @ARGV;
  print STDERR "bench-reaper: $ARGV[0]: $!\n";
  exit($!{ENOENT} ? 127 : 126);
}
my $status = 255 << 8;
while (1) {
  my $p = waitpid(-1, 0);
  if ($p == $main) { $status = $?; last }
  last if $p < 0;
}
$SIG{$_} = 'IGNORE' for @SIGS;
sweep();
exit($status & 127 ? 128 + ($status & 127) : $status >> 8);
`;

// The same in Python, run with -I -S so no PYTHON* variable or site module reaches the wrapper. Python
// ignores SIGPIPE and SIGXFSZ and may coerce a C locale by setting LC_CTYPE, so the command gets the
// default dispositions back and the environment exactly as it arrived (/proc/self/environ).
const PYTHON_SCRIPT = String.raw`import ctypes, errno, os, signal, sys, time
def fail(msg):
    os.write(2, ('bench-reaper: %s\n' % msg).encode())
    os._exit(126)
U = ctypes.c_ulong
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(ctypes.c_int(36), U(1), U(0), U(0), U(0)) != 0:
    fail('prctl(PR_SET_CHILD_SUBREAPER): ' + os.strerror(ctypes.get_errno()))
on = ctypes.c_int(0)
if libc.prctl(ctypes.c_int(37), ctypes.byref(on), U(0), U(0), U(0)) != 0 or on.value != 1:
    fail('PR_GET_CHILD_SUBREAPER does not confirm the flag')
if len(sys.argv) < 2:
    print('ok ' + sys.executable)
    sys.stdout.flush()
    os._exit(0)
# The process that started the wrapper (bench): when it dies, even by SIGKILL, the kernel sends SIGTERM.
parent = int(sys.argv[1])
if libc.prctl(ctypes.c_int(1), U(signal.SIGTERM), U(0), U(0), U(0)) != 0:
    fail('prctl(PR_SET_PDEATHSIG): ' + os.strerror(ctypes.get_errno()))
with open('/proc/self/environ', 'rb') as f:
    env = dict(e.split(b'=', 1) for e in f.read().split(b'\0') if b'=' in e)
SIGS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

def descendants():
    kids = {}
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/' + name + '/stat', 'rb') as f:
                s = f.read()
        except OSError:
            continue
        fields = s[s.rfind(b')') + 2:].split()
        if len(fields) > 1:
            kids.setdefault(int(fields[1]), []).append(int(name))
    out, todo = [], [os.getpid()]
    while todo:
        k = kids.get(todo.pop(), ())
        out.extend(k)
        todo.extend(k)
    return out

def kill(pids, sig):
    for p in pids:
        try:
            os.kill(p, sig)
        except OSError:
            pass

def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True

def sweep():
    for rnd in range(400):
        d = descendants()
        kill(d, signal.SIGKILL)
        if not reap() and not d:
            return
        time.sleep(0.002 if rnd < 50 else 0.02)

def stop(num, frame):
    for s in SIGS:
        signal.signal(s, signal.SIG_IGN)
    kill(descendants(), num)
    for _ in range(50):
        reap()
        if not descendants():
            break
        time.sleep(0.01)
    sweep()
    os._exit(128 + num)

signal.signal(signal.SIGCHLD, signal.SIG_DFL)
for s in SIGS:
    signal.signal(s, stop)
if os.getppid() != parent:
    stop(signal.SIGTERM, None)  # it died before the signal was asked for
argv = [os.fsencode(a) for a in sys.argv[2:]]
main = os.fork()
if main == 0:
    for s in SIGS + (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(s, signal.SIG_DFL)
    try:
        os.execvpe(argv[0], argv, env)
    except OSError as e:
        os.write(2, b'bench-reaper: ' + argv[0] + b': ' + (e.strerror or 'exec failed').encode() + b'\n')
        os._exit(127 if e.errno == errno.ENOENT else 126)
status = 255 << 8
while True:
    try:
        pid, st = os.waitpid(-1, 0)
    except ChildProcessError:
        break
    if pid == main:
        status = st
        break
for s in SIGS:
    signal.signal(s, signal.SIG_IGN)
sweep()
os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
`;

const PROBE_TIMEOUT_MS = 10_000;

function reaper(prefix: readonly string[], detail: string): Reaper {
  return {
    detail,
    wrap(argv) {
      if (!argv.length) throw new Error('reaper: empty argv');
      return [...prefix, String(process.pid), ...argv];
    },
  };
}

/** Whether the wrapper can run here at all: Linux, with /proc to find descendants in. */
function linuxWithProc(): boolean {
  return process.platform === 'linux' && existsSync('/proc/self/stat');
}

/** The perl subreaper, or null when there is no perl or its prctl does not take. */
export function perlReaper(): Reaper | null {
  const perl = linuxWithProc() ? onPath('perl') : null;
  if (!perl) return null;
  const prefix = [perl, '-t', '-e', PERL_SCRIPT, '--'];
  const probe = spawnSync(perl, prefix.slice(1, -1), { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  return probe.status === 0 && probe.stdout === 'ok\n' ? reaper(prefix, `perl subreaper (${perl})`) : null;
}

/** The python3 subreaper (ctypes), or null when there is no python3, no ctypes, or its prctl does not take. */
export function pythonReaper(): Reaper | null {
  const python = linuxWithProc() ? onPath('python3') : null;
  if (!python) return null;
  const probe = spawnSync(python, ['-I', '-S', '-c', PYTHON_SCRIPT], { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  // The interpreter itself rather than what is on PATH: version-manager shims are scripts that cost a
  // process and depend on the environment.
  const exe = probe.status === 0 ? /^ok (\/.+)\n$/.exec(probe.stdout)?.[1] : undefined;
  return exe ? reaper([exe, '-I', '-S', '-c', PYTHON_SCRIPT], `python3 subreaper (${exe})`) : null;
}

/**
 * A subreaper wrapper that works on this machine, or null when there is none (not Linux, no perl or
 * python3, prctl refused): then callers rely on process groups alone. Probes by running the wrapper
 * once, so call it once and keep the result.
 */
export function findReaper(): Reaper | null {
  return perlReaper() ?? pythonReaper();
}

/** The parent pid from /proc/<pid>/stat (comm, in parentheses, may itself hold spaces and parentheses). */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : null;
  } catch {
    return null;
  }
}

/** Pids of the current uid's processes whose environment holds exactly the entry `entry`. */
function markedPids(entry: string, uid: number): number[] {
  const needle = `\0${entry}\0`;
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (statSync(`/proc/${name}`).uid !== uid) continue;
      // A zombie's environment reads empty, so the dead are never matched again.
      if (`\0${readFileSync(`/proc/${name}/environ`, 'latin1')}`.includes(needle)) found.push(Number(name));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/**
 * A last-resort sweep: SIGKILL every process on the machine whose environment holds `marker`
 * (NAME=VALUE), searching /proc/<pid>/environ (only processes of the current uid). Returns how many it
 * killed. Used at the end of a trial with a per-trial random marker set in every command's env, to
 * catch what escaped even the subreaper (e.g. the wrapper itself was SIGKILLed). Not on other platforms
 * (returns 0). It sees the environment a process was started with: one that dropped the marker
 * (env -i) or overwrote its own environment block is not found.
 */
export function killMarked(marker: string): number {
  if (!/^[^=\0]+=[^\0]*$/.test(marker)) throw new Error(`killMarked: the marker must be NAME=VALUE, got ${JSON.stringify(marker)}`);
  if (process.platform !== 'linux' || !existsSync('/proc/self/environ')) return 0;
  // /proc is read as latin1 (one char per byte), so the marker is compared as its UTF-8 bytes.
  const entry = Buffer.from(marker, 'utf8').toString('latin1');
  const uid = process.getuid!();
  // Never this process or the ones it runs under, even if they carry the marker themselves.
  const spared = new Set<number>();
  for (let pid: number | null = process.pid; pid && pid > 0 && !spared.has(pid); pid = parentOf(pid)) spared.add(pid);
  const killed = new Set<number>();
  // Passes repeat while they find new processes: a marked process may have forked before it died,
  // and its children inherit the marker.
  for (let pass = 0; pass < 20; pass++) {
    let fresh = 0;
    for (const pid of markedPids(entry, uid)) {
      if (spared.has(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        continue;
      }
      if (!killed.has(pid)) {
        killed.add(pid);
        fresh++;
      }
    }
    if (!fresh) break;
  }
  return killed.size;
}
