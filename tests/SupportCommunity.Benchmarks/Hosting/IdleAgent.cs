using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace SupportCommunity.Benchmarks.Hosting;

/// <summary>What the idle agent connects to, sent as one JSON line on its standard input (tokens stay off the command line).</summary>
/// <param name="Join">Join the room (or group) after connecting; without it the connections stay merely connected.</param>
public sealed record IdleAgentSetup(Uri HubUrl, bool Bare, string Room, long AfterSequence, IReadOnlyList<string> Tokens, bool Join = true);

/// <summary>
/// Holds idle member connections in a process of its own, so that the server process's heap and RSS contain only the
/// server's side of each connection. The benchmark program runs as the agent with <see cref="Command"/>; it reads
/// its setup, then "open N" (answered with "opened OK FAILED") and "close" (answered with "closed") commands.
/// </summary>
public static class IdleAgent
{
    public const string Command = "--idle-agent";

    public static async Task<int> RunAsync(TextReader input, TextWriter output)
    {
        var setup = JsonSerializer.Deserialize<IdleAgentSetup>(await input.ReadLineAsync() ?? "", JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException("No setup line.");
        var connections = new List<HubConnection>();
        while (await input.ReadLineAsync() is { } line)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words is ["open", var countText])
            {
                var count = int.Parse(countText, CultureInfo.InvariantCulture);
                var offset = connections.Count;
                var opened = await HubClients.ConnectManyAsync(
                    count,
                    i => Task.FromResult(HubClients.Build(setup.HubUrl, setup.Bare ? null : setup.Tokens[(offset + i) % setup.Tokens.Count])),
                    (c, _) => !setup.Join ? Task.CompletedTask
                        : setup.Bare ? c.InvokeAsync("Join", setup.Room)
                        : c.InvokeAsync<object>("JoinRoom", setup.Room, setup.AfterSequence),
                    CancellationToken.None);
                connections.AddRange(opened.Connections);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"opened {opened.Connections.Count} {opened.Failures} {opened.FirstError}"));
                await output.FlushAsync();
            }
            else if (words is ["close"])
            {
                break;
            }
        }

        await HubClients.DisposeAllAsync(connections);
        await output.WriteLineAsync("closed");
        await output.FlushAsync();
        return 0;
    }
}
