using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spotable.Common.Aws;
using Spotable.Common.Imds;
using Spotable.Common.Kubernetes;
using Spotable.Common.Sqs;
using Spotable.SpotAgent.Configuration;
using Spotable.SpotAgent.Handling;
using Spotable.SpotAgent.Polling;
using Spotable.SpotAgent.Telemetry;
using Spotable.SpotAgent.Tests.Rbac;
using Spotable.Testing;
using Spotable.Testing.Fauxqs;
using Spotable.Testing.FakeImds;
using Spotable.Testing.FakeKube;

namespace Spotable.SpotAgent.Tests.Scenarios;

/// <summary>
/// The agent's parts wired as the host wires them, against a strict fake apiserver, a fake IMDS and (optionally) a
/// real fauxqs queue. The agent's own logic runs on a fake clock; the HTTP clients' transport timeouts run on real
/// time, since they are not what these scenarios test.
/// </summary>
internal sealed class AgentHarness : IAsyncDisposable
{
    public const string NodeName = "ip-10-0-1-23.eu-central-1.compute.internal";
    public static readonly DateTimeOffset Start = new(2026, 11, 21, 17, 0, 0, TimeSpan.Zero);

    private readonly List<(NoticeResponder Responder, CancellationTokenSource Life)> _agents = [];
    private readonly ServiceProvider _metricsServices;
    private readonly string _kubeconfig;

    private AgentHarness(FakeKubeApiServer kube, FakeImdsServer imds, FauxqsServer? sqs, string? queueUrl, FakeTimeProvider time, AgentOptions options)
    {
        Kube = kube;
        Imds = imds;
        Sqs = sqs;
        QueueUrl = queueUrl;
        Time = time;
        Options = options;
        _kubeconfig = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        kube.WriteKubeconfig(_kubeconfig);
        _metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
        // The exporter listens before the first instrument records, as in the host.
        Exporter = new PrometheusExporter([AgentMetrics.MeterName], _metricsServices.GetRequiredService<IMeterFactory>());
        Metrics = new AgentMetrics(_metricsServices.GetRequiredService<IMeterFactory>(), time);
        Health = new AgentHealth(time);
    }

    public FakeKubeApiServer Kube { get; }

    public FakeImdsServer Imds { get; }

    public FauxqsServer? Sqs { get; }

    public string? QueueUrl { get; }

    public FakeTimeProvider Time { get; }

    public AgentOptions Options { get; }

    public AgentMetrics Metrics { get; }

    public PrometheusExporter Exporter { get; }

    public AgentHealth Health { get; }

    public NoticeResponder? Responder => _agents.Count > 0 ? _agents[^1].Responder : null;

    public static async Task<AgentHarness> StartAsync(bool withQueue = true, Func<AgentOptions, AgentOptions>? configure = null)
    {
        var time = new FakeTimeProvider(Start);
        var kube = await FakeKubeApiServer.StartAsync(time);
        // Every scenario runs with exactly the RBAC an operator installs: a call the ClusterRole does not grant is 403.
        kube.Authorizer = ClusterRoleRules.FromManifests().Allows;
        kube.UserName = $"system:serviceaccount:{ClusterRoleRules.AgentNamespace}:{ClusterRoleRules.AgentServiceAccount}";
        var imds = await FakeImdsServer.StartAsync();
        FauxqsServer? sqs = null;
        string? queueUrl = null;
        if (withQueue)
        {
            sqs = await FauxqsServer.StartNewAsync();
            using var client = NewSqsClient(sqs);
            queueUrl = await client.CreateQueueAsync("node-events.fifo", new Dictionary<string, string> { ["FifoQueue"] = "true" }, CancellationToken.None);
        }

        var options = new AgentOptions
        {
            NodeName = NodeName,
            PodName = "spot-agent-x7k2p",
            PodNamespace = "spotable-system",
            QueueUrl = queueUrl,
            EvictionRetryInterval = TimeSpan.FromSeconds(5),
        };
        kube.AddNode(new Node { Metadata = new ObjectMeta { Name = NodeName, Labels = new() { ["lifecycle"] = "spot" } }, Spec = new NodeSpec() });
        return new AgentHarness(kube, imds, sqs, queueUrl, time, configure?.Invoke(options) ?? options);
    }

    public static SqsClient NewSqsClient(FauxqsServer server) => new(
        new SqsClientOptions { Endpoint = server.Endpoint, Region = "us-east-1", MaxRetryAttempts = 0 },
        new StaticAwsCredentialSource("AKIDTEST", "secret"));

    /// <summary>An agent as a fresh process would be: new clients, no memory of earlier work. Returns its poller.</summary>
    public NoticePoller NewAgent()
    {
        var life = new CancellationTokenSource();
        var kube = new KubernetesClient(KubernetesClientConfiguration.FromKubeconfig(_kubeconfig));
        var imds = new ImdsClient(new ImdsOptions { Endpoint = Imds.Endpoint }, TimeProvider.System);
        INodeNotifier notifier = QueueUrl is null || Options.DryRun
            ? new LogNodeNotifier(NullLogger<LogNodeNotifier>.Instance)
            : new SqsNodeNotifier(NewSqsClient(Sqs!), QueueUrl, Metrics, TimeProvider.System, NullLogger<SqsNodeNotifier>.Instance);
        var operations = new NodeOperations(kube, Options, Metrics, Time, NullLogger<NodeOperations>.Instance);
        var responder = new NoticeResponder(operations, notifier, Options, Metrics, Time, NullLogger<NoticeResponder>.Instance);
        _agents.Add((responder, life));
        return new NoticePoller(imds, responder, operations, Options, Metrics, Health, Time, NullLogger<NoticePoller>.Instance);
    }

    /// <summary>Ends the newest agent as a killed process would end: its background work stops where it is.</summary>
    public async Task KillAgentAsync()
    {
        var (responder, life) = _agents[^1];
        await life.CancelAsync();
        try
        {
            await responder.AllWork.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            // Expected: the work was cancelled.
        }
    }

    public CancellationToken AgentLife => _agents[^1].Life.Token;

    public Pod AddGamePod(string name, long grace = 120, string ns = "games") => Kube.AddPod(new Pod
    {
        Metadata = new ObjectMeta
        {
            Name = name,
            Namespace = ns,
            Labels = new() { ["spotable.io/role"] = "game-server", ["app"] = "arena" },
            OwnerReferences = [new OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "arena-5d8f", Uid = "rs-arena", Controller = true }],
        },
        Spec = new PodSpec { NodeName = NodeName, TerminationGracePeriodSeconds = grace },
    });

    public Pod AddOtherPod(string name, string ns = "default", string app = "web", string ownerKind = "ReplicaSet", Dictionary<string, string>? annotations = null) => Kube.AddPod(new Pod
    {
        Metadata = new ObjectMeta
        {
            Name = name,
            Namespace = ns,
            Labels = new() { ["app"] = app },
            Annotations = annotations,
            OwnerReferences = [new OwnerReference { ApiVersion = "apps/v1", Kind = ownerKind, Name = app + "-owner", Uid = "owner-" + app, Controller = true }],
        },
        Spec = new PodSpec { NodeName = NodeName, TerminationGracePeriodSeconds = 30 },
    });

    /// <summary>Real-time wait for background work to reach a state (synchronisation only, never a timing claim).</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > (timeout ?? TimeSpan.FromSeconds(30)))
            {
                Assert.Fail($"timed out waiting for: {what}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Moves the fake clock forward in steps, letting background work run between steps.</summary>
    public async Task AdvanceAsync(TimeSpan total, TimeSpan step)
    {
        for (var moved = TimeSpan.Zero; moved < total; moved += step)
        {
            Time.Advance(step);
            await Task.Delay(30);
        }
    }

    public async Task<List<SqsReceivedMessage>> DrainQueueAsync(TimeSpan wait)
    {
        using var client = NewSqsClient(Sqs!);
        var all = new List<SqsReceivedMessage>();
        while (true)
        {
            var batch = await client.ReceiveMessagesAsync(QueueUrl!, 10, wait, TimeSpan.FromSeconds(60), CancellationToken.None);
            if (batch.Count == 0)
            {
                return all;
            }

            all.AddRange(batch);
            foreach (var message in batch)
            {
                await client.DeleteMessageAsync(QueueUrl!, message.ReceiptHandle, CancellationToken.None);
            }
        }
    }

    public NodeRecord? Record(string annotation) => NodeOperations.ReadRecord(Kube.GetNode(NodeName)!, annotation);

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, life) in _agents)
        {
            await life.CancelAsync();
            life.Dispose();
        }

        await Kube.DisposeAsync();
        await Imds.DisposeAsync();
        if (Sqs is not null)
        {
            await Sqs.DisposeAsync();
        }

        Exporter.Dispose();
        await _metricsServices.DisposeAsync();
        File.Delete(_kubeconfig);
    }
}
