using System.Diagnostics;
using System.Globalization;
using Spotable.Common.Kubernetes;
using Spotable.Testing;
using Spotable.Testing.FakeImds;
using Spotable.Testing.FakeKube;
using Spotable.Testing.Processes;

namespace Spotable.Bench;

/// <summary>
/// Notice-to-SIGTERM: the published spot-agent binary against the fake apiserver and fake IMDS, a Spot notice
/// appearing at t0, and the time until the apiserver has received the delete of the first and of the last game pod.
/// </summary>
internal static class AgentBench
{
    private const string NodeName = "ip-10-0-0-1.bench.internal";

    public static async Task RunAsync(IReadOnlyList<int> gameCounts)
    {
        var binary = Path.Combine(RepoPaths.Root, "artifacts/publish/spot-agent/spot-agent");
        if (!File.Exists(binary))
        {
            Console.WriteLine($"missing {binary}: run tests/run.sh first");
            return;
        }

        Console.WriteLine($"spot-agent notice-to-SIGTERM, poll interval 1 s, {Environment.ProcessorCount} cores (published binary)");
        Console.WriteLine();
        Console.WriteLine("| game pods | other pods | notice→first game delete ms | first→last game delete ms | apiserver requests |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var games in gameCounts)
        {
            var (first, last, requests) = await MeasureAsync(binary, games, games / 2);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {games} | {games / 2} | {first:F0} | {last - first:F0} | {requests} |"));
        }

        Console.WriteLine();
        Console.WriteLine("The notice is set just after a poll, so notice→first includes a whole poll interval (the worst case).");
    }

    private static async Task<(double First, double Last, int Requests)> MeasureAsync(string binary, int games, int others)
    {
        await using var kube = await FakeKubeApiServer.StartAsync();
        await using var imds = await FakeImdsServer.StartAsync();
        var kubeconfig = Path.GetTempFileName();
        kube.WriteKubeconfig(kubeconfig);
        kube.AddNode(new Node { Metadata = new ObjectMeta { Name = NodeName }, Spec = new NodeSpec() });
        for (var i = 0; i < games; i++)
        {
            kube.AddPod(new Pod
            {
                Metadata = new ObjectMeta { Name = $"game-{i}", Namespace = "games", Labels = new() { ["spotable.io/role"] = "game-server" } },
                Spec = new PodSpec { NodeName = NodeName, TerminationGracePeriodSeconds = 120 },
            });
        }

        for (var i = 0; i < others; i++)
        {
            kube.AddPod(new Pod { Metadata = new ObjectMeta { Name = $"web-{i}", Namespace = "default", Labels = new() { ["app"] = "web" } }, Spec = new PodSpec { NodeName = NodeName } });
        }

        var port = FreePort.Tcp();
        var info = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add("--listen");
        info.ArgumentList.Add($"127.0.0.1:{port}");
        info.ArgumentList.Add("--log-level");
        info.ArgumentList.Add("warn");
        info.Environment["KUBECONFIG"] = kubeconfig;
        info.Environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.Endpoint.ToString();
        info.Environment["NODE_NAME"] = NodeName;
        using var agent = Process.Start(info)!;
        agent.BeginErrorReadLine();
        agent.BeginOutputReadLine();
        try
        {
            using var http = new HttpClient();
            while (!await ReadyAsync(http, port))
            {
                await Task.Delay(20);
            }

            var before = kube.RequestCount;
            var notice = TimeProvider.System.GetUtcNow();
            imds.SetSpotInstanceAction("terminate", notice.AddMinutes(2));
            while (kube.Deletions.Count(d => d.Namespace == "games") < games)
            {
                await Task.Delay(5);
            }

            var deletes = kube.Deletions.Where(d => d.Namespace == "games").Select(d => (d.Time - notice).TotalMilliseconds).ToList();
            return (deletes.Min(), deletes.Max(), kube.RequestCount - before);
        }
        finally
        {
            agent.Kill();
            await agent.WaitForExitAsync();
            File.Delete(kubeconfig);
        }
    }

    private static async Task<bool> ReadyAsync(HttpClient http, int port)
    {
        try
        {
            return (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"))).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
