namespace Spotable.Launcher;

internal static class HelpText
{
    public const string Usage = """
        Usage: launcher [options] -- <command> [args...]

        Starts a game server with race-free ports, supervises it as PID 1 and publishes its life
        (ready, terminating, exited) as JSON messages to SQS, or to the log when no queue is set.

        Options (each also settable by the environment variable shown):
          -p, --port NAME[:udp|tcp|both]  A port to allocate (repeatable; default protocol both).   LAUNCHER_PORTS=game:udp,rcon:tcp
                                          The game gets PORT_<NAME>; {port:NAME} in its arguments and
                                          rendered files becomes the number.
              --port-range LOW-HIGH       Allocate within this range (default: the OS chooses).      LAUNCHER_PORT_RANGE
              --lease-dir DIR             Lease directory shared by all launchers on the node         LAUNCHER_LEASE_DIR
                                          (default /tmp/spotable-ports; a hostPath in Kubernetes).
              --render SRC:DEST           Render a config template before start (repeatable).       LAUNCHER_RENDER=a:b,c:d
              --grace DURATION            Time between SIGTERM and SIGKILL (default 120s).           LAUNCHER_GRACE
              --ready-timeout DURATION    Publish ready unverified after this (default 60s).         LAUNCHER_READY_TIMEOUT
              --flush-timeout DURATION    Final SQS delivery bound at exit (default 5s).             LAUNCHER_FLUSH_TIMEOUT
              --queue-url URL             SQS queue for events (standard or .fifo).                  SPOTABLE_QUEUE_URL
              --server-id ID              Server id in events (default namespace/pod or host/pid).   SPOTABLE_SERVER_ID
              --log-level LEVEL           trace, debug, info, warn or error (default info).          LAUNCHER_LOG_LEVEL
          -h, --help                      Show this help.
              --version                   Show the version.

        Durations: 90 (seconds), 90s, 2m, 1h, 500ms.
        Other environment: PUBLIC_HOST (overrides the address players get), POD_NAME, POD_NAMESPACE,
        POD_UID, NODE_NAME (downward API), AWS_REGION, AWS_ENDPOINT_URL_SQS, AWS_EC2_METADATA_DISABLED,
        AWS_EC2_METADATA_SERVICE_ENDPOINT and the usual AWS credential variables.

        Exit codes: the game's own code; 128+N when a signal N killed it; 126 not executable;
        127 not found; 2 bad options; 1 the launcher could not prepare the game (ports, files).
        """;
}
