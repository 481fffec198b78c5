#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A child process started with `posix_spawn` in a process group of its own, its stdin, stdout
/// and stderr connected to pipes whose other ends are returned (close-on-exec, so no later
/// child inherits them). Foundation's `Process` can start neither a process group nor default
/// SIGPIPE handling (aslx ignores SIGPIPE; a child must not inherit that).
struct ChildProcess {
    /// Also the process group id.
    var pid: pid_t
    /// Write end of the child's stdin.
    var stdin: Int32
    /// Read ends of the child's stdout and stderr.
    var stdout: Int32
    var stderr: Int32

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// Held from creating the pipes to the spawn, so that no other spawn in this process runs
    /// between `pipe` and `FD_CLOEXEC` and inherits our pipe ends (`pipe2` is not portable).
    private static let spawnLock = Mutex(())

    static func spawn(_ arguments: [String]) throws(SpawnError) -> ChildProcess {
        try spawnLock.withLock { _ throws(SpawnError) in
            try spawnLocked(arguments, newGroup: true, pipes: [true, true, true])
        }
    }

    /// The `--supervise` child: in our process group (a Ctrl-C reaches it), stderr shared with
    /// us, stdin and stdout shared too or pipes (`pipeStdin`, `pipeStdout`); unused ends are -1.
    static func spawnEngine(_ arguments: [String], pipeStdin: Bool, pipeStdout: Bool) throws(SpawnError) -> ChildProcess {
        try spawnLock.withLock { _ throws(SpawnError) in
            try spawnLocked(arguments, newGroup: false, pipes: [pipeStdin, pipeStdout, false])
        }
    }

    /// `pipes[i]`: connect descriptor i (stdin, stdout, stderr) of the child to a new pipe.
    private static func spawnLocked(_ arguments: [String], newGroup: Bool, pipes: [Bool]) throws(SpawnError) -> ChildProcess {
        var fds: [Int32] = []
        func fail(_ what: String, _ code: Int32) -> SpawnError {
            for fd in fds where fd >= 0 { closeDescriptor(fd) }
            return SpawnError(description: "\(what): \(errnoText(code))")
        }
        // fds: [stdin read, stdin write, stdout read, stdout write, stderr read, stderr write], -1 where no pipe.
        for wanted in pipes {
            guard wanted else { fds += [-1, -1]; continue }
            var pair: [Int32] = [-1, -1]
            guard pipe(&pair) == 0 else { throw fail("cannot create a pipe", errno) }
            for fd in pair { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            fds.append(contentsOf: pair)
        }
        // The child's end of each pipe: the read end of stdin, the write ends of stdout and stderr.
        let childEnds = [fds[0], fds[3], fds[5]]
        let ourEnds = [fds[1], fds[2], fds[4]]
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, fd) in childEnds.enumerated() where fd >= 0 {
            posix_spawn_file_actions_adddup2(&actions, fd, Int32(target))
        }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if newGroup { posix_spawnattr_setpgroup(&attributes, 0) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var noneBlocked = sigset_t()
        sigemptyset(&noneBlocked)
        posix_spawnattr_setsigmask(&attributes, &noneBlocked)
        posix_spawnattr_setflags(&attributes, Int16((newGroup ? POSIX_SPAWN_SETPGROUP : 0) | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ)
        guard result == 0 else { throw fail("cannot start '\(arguments[0])'", result) }
        for fd in childEnds where fd >= 0 { closeDescriptor(fd) }
        return ChildProcess(pid: pid, stdin: ourEnds[0], stdout: ourEnds[1], stderr: ourEnds[2])
    }
}

/// Sends `signal` to every process in group `group` (ignoring a group that is gone).
func signalGroup(_ group: pid_t, _ signal: Int32) {
    _ = kill(-group, signal)
}

func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
