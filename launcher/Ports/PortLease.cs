namespace Spotable.Launcher.Ports;

/// <summary>
/// A port held by this launcher: an exclusive lock on <c>&lt;lease-dir&gt;/&lt;port&gt;.lease</c>. The kernel drops
/// the lock when the process dies, however it dies, so a crashed launcher frees its ports by itself.
/// </summary>
internal sealed class PortLease(string name, int port, string protocol, FileStream lockFile) : IDisposable
{
    public string Name { get; } = name;

    public int Port { get; } = port;

    public string Protocol { get; } = protocol;

    // The file is never deleted: deleting a locked path lets a third launcher create and lock a new file of the same
    // name while a second one still waits on the old inode, and both would then believe they own the port.
    public void Dispose() => lockFile.Dispose();
}
