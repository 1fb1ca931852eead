namespace Spotable.Launcher.Options;

internal sealed record PortRange(int Low, int High)
{
    public int Count => High - Low + 1;
}
