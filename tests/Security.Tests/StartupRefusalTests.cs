using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Orvirt.Testing;

namespace Orvirt.Security.Tests;

/// <summary>A silo whose gRPC endpoint is reachable from other machines does not start without tokens.</summary>
public sealed class StartupRefusalTests
{
    [Fact]
    public async Task ASiloWithGrpcOnAllInterfacesAndNoTokenRefusesToStartSayingHowToConfigureOne()
    {
        var data = Directory.CreateTempSubdirectory("orvirt-refuse-").FullName;
        var psi = new ProcessStartInfo(BuiltDll.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = data,
        };
        psi.ArgumentList.Add(BuiltDll.Locate("Silo", "Orvirt.Silo.csproj", "orvirt-silo.dll", "ORVIRT_SILO_DLL"));
        psi.Environment["ORVIRT__DATADIRECTORY"] = data;
        // Ports are never bound: the configuration check comes first.
        psi.Environment["ORVIRT__GRPCENDPOINT"] = $"0.0.0.0:{FreePort()}";
        psi.Environment["ORVIRT__HTTPENDPOINT"] = $"127.0.0.1:{FreePort()}";
        psi.Environment["ORVIRT__SILOPORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["ORVIRT__GATEWAYPORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment.Remove("ORVIRT__HTTP__TOKENFILE");
        psi.Environment.Remove("ORVIRT__HTTP__TOKENS__0");
        using var process = Process.Start(psi)!;
        try
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await process.WaitForExitAsync(deadline.Token);

            var error = await stderr;
            Assert.True(process.ExitCode == 2, $"exit code {process.ExitCode}; stderr: {error}; stdout: {await stdout}");
            Assert.Contains("Orvirt:GrpcEndpoint 0.0.0.0:", error, StringComparison.Ordinal);
            Assert.Contains("ORVIRT__HTTP__TOKENFILE", error, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            Directory.Delete(data, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
