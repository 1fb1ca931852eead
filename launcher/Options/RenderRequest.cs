namespace Spotable.Launcher.Options;

/// <summary>A template file to render with the port placeholders before the game starts.</summary>
internal sealed record RenderRequest(string Source, string Destination);
