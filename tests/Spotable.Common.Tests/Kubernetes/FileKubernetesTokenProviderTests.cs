using Spotable.Common.Kubernetes;
using Spotable.Testing;

namespace Spotable.Common.Tests.Kubernetes;

public sealed class FileKubernetesTokenProviderTests
{
    [Test]
    public async Task GetTokenAsync_FileChangesWithinTheInterval_KeepsTheCachedTokenUntilItPasses()
    {
        using var directory = new TempDirectory();
        var path = directory.Write("token", "  first\n");
        var time = new FakeTimeProvider();
        var provider = new FileKubernetesTokenProvider(path, time);

        var first = await provider.GetTokenAsync(forceRefresh: false, CancellationToken.None);
        File.WriteAllText(path, "second");
        time.Advance(TimeSpan.FromSeconds(59));
        var cached = await provider.GetTokenAsync(forceRefresh: false, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        var reread = await provider.GetTokenAsync(forceRefresh: false, CancellationToken.None);

        Assert.That(new[] { first, cached, reread }, Is.EqualTo(new[] { "first", "first", "second" }));
    }

    [Test]
    public async Task GetTokenAsync_ForceRefresh_ReadsAtOnce()
    {
        using var directory = new TempDirectory();
        var path = directory.Write("token", "first");
        var provider = new FileKubernetesTokenProvider(path, new FakeTimeProvider());
        await provider.GetTokenAsync(forceRefresh: false, CancellationToken.None);
        File.WriteAllText(path, "second");

        var token = await provider.GetTokenAsync(forceRefresh: true, CancellationToken.None);

        Assert.That(token, Is.EqualTo("second"));
    }

    [Test]
    public async Task GetTokenAsync_FileVanishesAfterAGoodRead_KeepsTheLastGoodToken()
    {
        using var directory = new TempDirectory();
        var path = directory.Write("token", "first");
        var provider = new FileKubernetesTokenProvider(path, new FakeTimeProvider());
        await provider.GetTokenAsync(forceRefresh: false, CancellationToken.None);
        File.Delete(path);

        var token = await provider.GetTokenAsync(forceRefresh: true, CancellationToken.None);

        Assert.That(token, Is.EqualTo("first"));
    }

    [Test]
    public void GetTokenAsync_NoFileEver_ThrowsConfigurationErrorNamingThePath()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "missing");
        var provider = new FileKubernetesTokenProvider(path, new FakeTimeProvider());

        var error = Assert.ThrowsAsync<KubernetesConfigurationException>(async () => await provider.GetTokenAsync(forceRefresh: false, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain(path));
    }

    [Test]
    public void GetTokenAsync_EmptyFile_ThrowsConfigurationError()
    {
        using var directory = new TempDirectory();
        var provider = new FileKubernetesTokenProvider(directory.Write("token", "\n"), new FakeTimeProvider());

        Assert.ThrowsAsync<KubernetesConfigurationException>(async () => await provider.GetTokenAsync(forceRefresh: false, CancellationToken.None));
    }
}
