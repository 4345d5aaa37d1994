using Orvirt.Testing;

namespace Orvirt.Security.Tests;

/// <summary>A silo with a fresh token file (<see cref="TestTokens"/>) and extra settings; disposing stops it and removes its folder.</summary>
public sealed class TokenFileSilo : IAsyncDisposable
{
    private readonly string _folder;

    private TokenFileSilo(string folder, TestTokens tokens, SiloProcess silo)
    {
        _folder = folder;
        Tokens = tokens;
        Silo = silo;
    }

    public TestTokens Tokens { get; }

    public SiloProcess Silo { get; }

    /// <summary>Writes the token file and starts the silo with it and <paramref name="settings"/>.</summary>
    public static async Task<TokenFileSilo> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var folder = Directory.CreateTempSubdirectory("orvirt-tokensilo-").FullName;
        try
        {
            var tokens = TestTokens.Create();
            var tokenFile = Path.Combine(folder, "tokens");
            await File.WriteAllTextAsync(tokenFile, tokens.FileText());
            var environment = new Dictionary<string, string>(settings) { ["ORVIRT__HTTP__TOKENFILE"] = tokenFile };
            var silo = await SiloProcess.StartAsync(new SiloProcessOptions { Environment = environment });
            return new TokenFileSilo(folder, tokens, silo);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Silo.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
