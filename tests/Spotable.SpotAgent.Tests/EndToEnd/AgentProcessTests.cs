using System.Collections.Concurrent;
using System.Diagnostics;
using Spotable.Common.Kubernetes;
using Spotable.Testing.FakeImds;
using Spotable.Testing.FakeKube;
using Spotable.Testing.Processes;

namespace Spotable.SpotAgent.Tests.EndToEnd;

/// <summary>The spot-agent binary as a process, with KUBECONFIG at the fake apiserver and IMDS at the fake IMDS.</summary>
public class AgentProcessTests
{
    private const string NodeName = "ip-10-0-9-9.eu-west-1.compute.internal";
    private FakeKubeApiServer _kube = null!;
    private FakeImdsServer _imds = null!;
    private string _kubeconfig = null!;

    [SetUp]
    public async Task SetUp()
    {
        _kube = await FakeKubeApiServer.StartAsync();
        _imds = await FakeImdsServer.StartAsync();
        _kubeconfig = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        _kube.WriteKubeconfig(_kubeconfig);
        _kube.AddNode(new Node { Metadata = new ObjectMeta { Name = NodeName }, Spec = new NodeSpec() });
        for (var i = 0; i < 3; i++)
        {
            _kube.AddPod(new Pod
            {
                Metadata = new ObjectMeta { Name = $"arena-{i}", Namespace = "games", Labels = new() { ["spotable.io/role"] = "game-server" } },
                Spec = new PodSpec { NodeName = NodeName, TerminationGracePeriodSeconds = 300 },
            });
        }
    }

    [TearDown]
    public async Task TearDown()
    {
        await _kube.DisposeAsync();
        await _imds.DisposeAsync();
        File.Delete(_kubeconfig);
    }

    private static Process StartAgent(IReadOnlyDictionary<string, string> environment, ConcurrentQueue<string> stderr, params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "spot-agent")) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "KUBERNETES_SERVICE_HOST", "SPOTABLE_QUEUE_URL", "NODE_NAME" })
        {
            info.Environment.Remove(name);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info)!;
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { stderr.Enqueue(e.Data); } };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    [Test]
    public async Task Agent_NoticeAppears_NodeCordonedAndGamesDeletedWithinTwoSeconds()
    {
        var port = FreePort.Tcp();
        var stderr = new ConcurrentQueue<string>();
        using var agent = StartAgent(
            new Dictionary<string, string>
            {
                ["KUBECONFIG"] = _kubeconfig,
                ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = _imds.Endpoint.ToString(),
                ["NODE_NAME"] = NodeName,
                ["POD_NAME"] = "spot-agent-abc",
                ["POD_NAMESPACE"] = "spotable-system",
            },
            stderr,
            "--listen", $"127.0.0.1:{port}");
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitAsync(async () => (await TryGetAsync(http, "/readyz")) == 200, TimeSpan.FromSeconds(90), stderr, "agent ready");

            _imds.SetSpotInstanceAction("terminate", TimeProvider.System.GetUtcNow().AddMinutes(2));
            var noticed = Stopwatch.StartNew();
            await WaitAsync(() => Task.FromResult(_kube.GetNode(NodeName)!.Spec!.Unschedulable == true
                && _kube.Pods.Count(p => p.Metadata.DeletionTimestamp is not null) == 3), TimeSpan.FromSeconds(10), stderr, "node cordoned and games deleted");

            Assert.That(noticed.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "acted within 2 s of the notice");
            Assert.That(_kube.Deletions.Select(d => d.GracePeriodSeconds), Has.All.InRange(110, 115));
            Assert.That(await TryGetAsync(http, "/healthz"), Is.EqualTo(200));
            var metrics = await http.GetStringAsync("/metrics");
            Assert.That(metrics, Does.Contain("spotable_notices_total{kind=\"spot_interruption\"} 1"));
            Assert.That(metrics, Does.Contain("spotable_pods_signalled_total{kind=\"game\",method=\"delete\"} 3"));
        }
        finally
        {
            Posix.Kill(agent.Id, Posix.SIGTERM);
            if (!agent.WaitForExit(10_000))
            {
                Posix.Kill(agent.Id, Posix.SIGKILL);
            }
        }

        Assert.That(agent.ExitCode, Is.EqualTo(0), "a SIGTERM stops the agent cleanly");
    }

    [Test]
    public async Task Agent_NoNodeName_Exits2WithOneLine()
    {
        var stderr = new ConcurrentQueue<string>();
        using var agent = StartAgent(new Dictionary<string, string> { ["KUBECONFIG"] = _kubeconfig }, stderr);

        Assert.That(agent.WaitForExit(30_000), Is.True);
        agent.WaitForExit();
        Assert.That(agent.ExitCode, Is.EqualTo(2));
        Assert.That(stderr, Is.EqualTo(new[] { "spot-agent: NODE_NAME is required (set it from the downward API: spec.nodeName)" }));
    }

    [Test]
    public async Task Agent_BadKubeconfig_Exits2WithOneLine()
    {
        var stderr = new ConcurrentQueue<string>();
        var missing = Path.Combine(Path.GetTempPath(), "no-such-kubeconfig");
        using var agent = StartAgent(new Dictionary<string, string> { ["KUBECONFIG"] = missing, ["NODE_NAME"] = NodeName }, stderr, "--listen", "127.0.0.1:0");

        Assert.That(await Task.Run(() => agent.WaitForExit(30_000)), Is.True);
        agent.WaitForExit();
        Assert.That(agent.ExitCode, Is.EqualTo(2));
        Assert.That(stderr.Count(l => l.StartsWith("spot-agent: ", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(stderr.Single(l => l.StartsWith("spot-agent: ", StringComparison.Ordinal)), Does.Contain("no-such-kubeconfig"));
    }

    private static async Task<int> TryGetAsync(HttpClient http, string path)
    {
        try
        {
            return (int)(await http.GetAsync(path)).StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, ConcurrentQueue<string> stderr, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
            {
                Assert.Fail($"timed out waiting for {what}; agent stderr:\n{string.Join('\n', stderr)}");
            }

            await Task.Delay(25);
        }
    }
}
