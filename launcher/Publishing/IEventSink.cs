using Spotable.Common.Events;

namespace Spotable.Launcher.Publishing;

/// <summary>Where the game server's life is published. Publishing never blocks or fails the game.</summary>
internal interface IEventSink : IAsyncDisposable
{
    void Publish(GameServerEvent gameServerEvent);

    /// <summary>Waits until everything published has been delivered, or the timeout passes. True when all was delivered.</summary>
    Task<bool> FlushAsync(TimeSpan timeout);
}
