namespace Spotable.Common.Events;

public static class GameServerEventTypes
{
    public const string Ready = "ready";
    public const string Terminating = "terminating";
    public const string Exited = "exited";
}
