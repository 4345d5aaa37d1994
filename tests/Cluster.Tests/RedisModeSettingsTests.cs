using Orvirt.Testing;

namespace Orvirt.Cluster.Tests;

/// <summary>Redis mode's own settings: a silo that cannot work stops at once with a line that says how to fix it.</summary>
public sealed class RedisModeSettingsTests
{
    [Fact]
    public async Task ARedisPasswordNeverAppearsInTheStartupError()
    {
        var nobody = SiloPorts.Free(1)[0].Grpc;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.StartAsync(new SiloProcessOptions
        {
            Environment = new Dictionary<string, string>
            {
                ["ORVIRT__MODE"] = "Redis",
                ["ORVIRT__REDIS"] = $"127.0.0.1:{nobody},password=hunter2-secret",
                ["ORVIRT__ADVERTISEDADDRESS"] = "127.0.0.1",
            },
        }));

        Assert.Contains("cannot be reached", error.Message);
        Assert.DoesNotContain("hunter2-secret", error.Message);
    }

    [Fact]
    public async Task ASiloWhoseRedisDoesNotAnswerStopsNamingTheSettingAndTheFix()
    {
        // A port that was free a moment ago: nothing listens there.
        var nobody = SiloPorts.Free(1)[0].Grpc;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.StartAsync(new SiloProcessOptions
        {
            Environment = new Dictionary<string, string>
            {
                ["ORVIRT__MODE"] = "Redis",
                ["ORVIRT__REDIS"] = $"127.0.0.1:{nobody}",
                ["ORVIRT__ADVERTISEDADDRESS"] = "127.0.0.1",
            },
        }));

        Assert.Contains("exited with code 2", error.Message);
        Assert.Contains($"Orvirt:Redis 127.0.0.1:{nobody} cannot be reached", error.Message);
        Assert.Contains("set ORVIRT__REDIS", error.Message);
    }

    [Theory]
    [InlineData("ORVIRT__MEMBERSHIP__PROBETIMEOUT", "00:00:00.001", "ORVIRT__MEMBERSHIP__PROBETIMEOUT=00:00:01")]
    [InlineData("ORVIRT__MEMBERSHIP__NUMMISSEDPROBESLIMIT", "0", "ORVIRT__MEMBERSHIP__NUMMISSEDPROBESLIMIT=2")]
    [InlineData("ORVIRT__ADVERTISEDADDRESS", "silo-1", "ORVIRT__ADVERTISEDADDRESS=10.0.0.5")]
    [InlineData("ORVIRT__REDIS", "127.0.0.1:6379,nosuchkeyword=1", "Orvirt:Redis is not a Redis connection string")]
    public async Task ABadRedisModeSettingStopsTheSiloWithTheFix(string variable, string value, string fix)
    {
        await using var redis = await RedisServer.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["ORVIRT__MODE"] = "Redis",
            ["ORVIRT__REDIS"] = redis.ConnectionString,
            ["ORVIRT__ADVERTISEDADDRESS"] = "127.0.0.1",
            [variable] = value,
        };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.StartAsync(new SiloProcessOptions { Environment = environment }));

        Assert.Contains("exited with code 2", error.Message);
        Assert.Contains(fix, error.Message);
    }
}
