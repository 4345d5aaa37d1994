using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Orvirt.Api.V1;
using Orvirt.Bench;
using Orvirt.Client.Connection;
using Orvirt.Testing;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BenchOptions.Help);
    return 0;
}
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("orvirt-bench: " + e.Message);
    return 2;
}

var results = new List<BenchResult>();
var scenarios = new Scenarios(options, results);
var commandLine = "dotnet bench/Orvirt.Bench/bin/Release/net10.0/orvirt-bench.dll " + string.Join(' ', args);
var started = DateTimeOffset.UtcNow;
try
{
    await scenarios.RunAsync();
}
finally
{
    Report.Write(options, results, commandLine, started);
}
Console.Error.WriteLine($"orvirt-bench: wrote {options.Markdown} and {options.Json}");
return 0;
