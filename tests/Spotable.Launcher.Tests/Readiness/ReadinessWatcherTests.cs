using Spotable.Launcher.Ports;
using Spotable.Launcher.Readiness;
using Spotable.Testing;

namespace Spotable.Launcher.Tests.Readiness;

public class ReadinessWatcherTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private FakeTimeProvider _time = null!;
    private ScriptedTable _table = null!;
    private string _leaseDir = null!;
    private readonly List<PortLease> _leases = [];

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _table = new ScriptedTable();
        _leaseDir = Directory.CreateTempSubdirectory("readiness").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        _leases.ForEach(l => l.Dispose());
        _leases.Clear();
        Directory.Delete(_leaseDir, recursive: true);
    }

    private PortLease Lease(string name, int port, string protocol)
    {
        var lease = new PortLease(name, port, protocol, new FileStream(Path.Combine(_leaseDir, name), FileMode.Create));
        _leases.Add(lease);
        return lease;
    }

    [Test]
    public async Task WaitAsync_PortsBoundAfterThreePolls_ReturnsTrueAtThatPoll()
    {
        var ports = new[] { Lease("game", 27960, "udp"), Lease("rcon", 28000, "tcp") };
        _table.Script(new BoundPorts(new HashSet<int>(), new HashSet<int>()), 2);
        _table.Then = new BoundPorts(new HashSet<int> { 28000 }, new HashSet<int> { 27960 });
        var start = _time.GetUtcNow();

        var wait = new ReadinessWatcher(_table, _time, Poll).WaitAsync(ports, 4242, TimeSpan.FromSeconds(10), CancellationToken.None);
        await FakeClock.RunAsync(wait, _time, TimeSpan.FromMilliseconds(50));

        Assert.That(await wait, Is.True);
        Assert.That(_time.GetUtcNow() - start, Is.EqualTo(2 * Poll));
        Assert.That(_table.Reads, Is.EqualTo(3));
        Assert.That(_table.OwnerPid, Is.EqualTo(4242), "only the game's own sockets count");
    }

    [Test]
    public async Task WaitAsync_UdpPortBoundOnlyAsTcp_IsNotReady()
    {
        var ports = new[] { Lease("game", 27960, "udp") };
        _table.Then = new BoundPorts(new HashSet<int> { 27960 }, new HashSet<int>());

        var wait = new ReadinessWatcher(_table, _time, Poll).WaitAsync(ports, 4242, TimeSpan.FromSeconds(1), CancellationToken.None);
        await FakeClock.RunAsync(wait, _time, TimeSpan.FromMilliseconds(50));

        Assert.That(await wait, Is.False);
    }

    [Test]
    public async Task WaitAsync_BothPortBoundOnEitherProtocol_IsReady()
    {
        var ports = new[] { Lease("a", 7000, "both"), Lease("b", 7001, "both") };
        _table.Then = new BoundPorts(new HashSet<int> { 7000 }, new HashSet<int> { 7001 });

        Assert.That(await new ReadinessWatcher(_table, _time, Poll).WaitAsync(ports, 4242, TimeSpan.FromSeconds(1), CancellationToken.None), Is.True);
    }

    [Test]
    public async Task WaitAsync_NeverBound_ReturnsFalseOnlyAtTheTimeout()
    {
        var ports = new[] { Lease("game", 27960, "udp") };
        _table.Then = new BoundPorts(new HashSet<int>(), new HashSet<int>());
        var start = _time.GetUtcNow();

        var wait = new ReadinessWatcher(_table, _time, Poll).WaitAsync(ports, 4242, TimeSpan.FromMilliseconds(950), CancellationToken.None);
        await FakeClock.RunAsync(wait, _time, TimeSpan.FromMilliseconds(50));

        Assert.That(await wait, Is.False);
        Assert.That(_time.GetUtcNow() - start, Is.EqualTo(TimeSpan.FromMilliseconds(950)));
    }

    [Test]
    public void WaitAsync_Cancelled_Throws()
    {
        var ports = new[] { Lease("game", 27960, "udp") };
        _table.Then = new BoundPorts(new HashSet<int>(), new HashSet<int>());
        using var cancellation = new CancellationTokenSource();

        var wait = new ReadinessWatcher(_table, _time, Poll).WaitAsync(ports, 4242, TimeSpan.FromSeconds(10), cancellation.Token);
        cancellation.Cancel();

        Assert.That(async () => await wait, Throws.InstanceOf<OperationCanceledException>());
    }

    private sealed class ScriptedTable : ISocketTable
    {
        private readonly Queue<BoundPorts> _script = new();

        public BoundPorts Then { get; set; } = new(new HashSet<int>(), new HashSet<int>());

        public int Reads { get; private set; }

        public void Script(BoundPorts ports, int times)
        {
            for (var i = 0; i < times; i++)
            {
                _script.Enqueue(ports);
            }
        }

        public int? OwnerPid { get; private set; }

        public BoundPorts Read(int? ownerPid)
        {
            OwnerPid = ownerPid;
            Reads++;
            return _script.Count > 0 ? _script.Dequeue() : Then;
        }
    }
}
