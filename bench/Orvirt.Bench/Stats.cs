using System.Diagnostics;

namespace Orvirt.Bench;

/// <summary>Percentiles of a set of durations, in milliseconds.</summary>
public sealed record Stats(int Count, double P50, double P99, double Max, double Mean)
{
    public static Stats Of(IEnumerable<double> millis)
    {
        var a = millis.Order().ToArray();
        if (a.Length == 0)
        {
            return new Stats(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }
        double P(double q) => a[Math.Clamp((int)Math.Ceiling(q * a.Length) - 1, 0, a.Length - 1)];
        return new Stats(a.Length, P(0.50), P(0.99), a[^1], a.Average());
    }

    public static double Millis(long fromTimestamp, long toTimestamp) =>
        (toTimestamp - fromTimestamp) * 1000.0 / Stopwatch.Frequency;
}
