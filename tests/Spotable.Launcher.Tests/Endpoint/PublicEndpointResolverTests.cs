using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using Spotable.Common.Imds;
using Spotable.Launcher.Endpoint;
using Spotable.Testing;
using Spotable.Testing.FakeImds;

namespace Spotable.Launcher.Tests.Endpoint;

public class PublicEndpointResolverTests
{
    [Test]
    public async Task ResolveAsync_OnSpotInstance_UsesInstanceMetadata()
    {
        await using var fake = await FakeImdsServer.StartAsync();
        using var imds = new ImdsClient(new ImdsOptions { Endpoint = fake.Endpoint }, TimeProvider.System);

        var endpoint = await new PublicEndpointResolver(imds, TimeProvider.System, NullLogger.Instance).ResolveAsync(null, null, CancellationToken.None);

        var identity = await imds.GetIdentityAsync(CancellationToken.None);
        Assert.That(endpoint.FromImds, Is.True);
        Assert.That(endpoint.Host, Is.EqualTo(identity.PublicHostname));
        Assert.That(endpoint.Ip, Is.EqualTo(identity.PublicIpv4));
        Assert.That(endpoint.InstanceId, Is.EqualTo(identity.InstanceId));
        Assert.That(endpoint.Lifecycle, Is.EqualTo(identity.Lifecycle));
        Assert.That(endpoint.Zone, Is.EqualTo(identity.AvailabilityZone));
    }

    [Test]
    public async Task ResolveAsync_PublicHostSet_OverridesTheHostOnly()
    {
        await using var fake = await FakeImdsServer.StartAsync();
        using var imds = new ImdsClient(new ImdsOptions { Endpoint = fake.Endpoint }, TimeProvider.System);

        var endpoint = await new PublicEndpointResolver(imds, TimeProvider.System, NullLogger.Instance).ResolveAsync("play.example.com", null, CancellationToken.None);

        Assert.That(endpoint.Host, Is.EqualTo("play.example.com"));
        Assert.That(endpoint.Ip, Is.EqualTo((await imds.GetIdentityAsync(CancellationToken.None)).PublicIpv4));
    }

    [Test]
    public async Task ResolveAsync_ImdsHangs_FallsBackToThisMachineWhenTheOneSecondBudgetEnds()
    {
        var time = new FakeTimeProvider();
        var imds = Substitute.For<IImdsClient>();
        imds.GetIdentityAsync(Arg.Any<CancellationToken>()).Returns(async call =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, call.Arg<CancellationToken>());
            return new InstanceIdentity();
        });

        var resolving = new PublicEndpointResolver(imds, time, NullLogger.Instance).ResolveAsync(null, "eu-west-1", CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(50);
        Assert.That(resolving.IsCompleted, Is.False, "gave up before the budget");
        time.Advance(TimeSpan.FromMilliseconds(1));
        var endpoint = await resolving.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(endpoint.FromImds, Is.False);
        Assert.That(endpoint.Ip, Is.EqualTo(PublicEndpointResolver.LocalAddress()));
        Assert.That(endpoint.Host, Is.EqualTo(endpoint.Ip));
        Assert.That(endpoint.Region, Is.EqualTo("eu-west-1"));
        Assert.That(endpoint.InstanceId, Is.Null);
    }

    [Test]
    public async Task ResolveAsync_ImdsDisabled_UsesThisMachineAtOnce()
    {
        var endpoint = await new PublicEndpointResolver(null, new FakeTimeProvider(), NullLogger.Instance).ResolveAsync(null, null, CancellationToken.None);

        Assert.That(endpoint.FromImds, Is.False);
        Assert.That(System.Net.IPAddress.TryParse(endpoint.Ip, out _), Is.True);
    }
}
