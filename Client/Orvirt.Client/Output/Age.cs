using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace Orvirt.Client.Output;

/// <summary>Durations the way kubectl prints ages: <c>45s</c>, <c>3m20s</c>, <c>5h12m</c>, <c>3d4h</c>, <c>120d</c>.</summary>
public static class Age
{
    /// <summary>The age of <paramref name="since"/> at <paramref name="now"/>; <c>&lt;unknown&gt;</c> when unset.</summary>
    public static string Since(Timestamp? since, DateTimeOffset now) =>
        since is null || (since.Seconds == 0 && since.Nanos == 0) ? "<unknown>" : Format(now - since.ToDateTimeOffset());

    /// <summary>A compact human duration; negative durations (clock skew) print as <c>0s</c>.</summary>
    public static string Format(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }
        static string N(double v) => ((long)v).ToString(CultureInfo.InvariantCulture);
        if (age.TotalMinutes < 2)
        {
            return N(age.TotalSeconds) + "s";
        }
        if (age.TotalMinutes < 10)
        {
            return age.Seconds == 0 ? N(age.TotalMinutes) + "m" : $"{N(age.TotalMinutes)}m{N(age.Seconds)}s";
        }
        if (age.TotalHours < 3)
        {
            return N(age.TotalMinutes) + "m";
        }
        if (age.TotalHours < 8)
        {
            return age.Minutes == 0 ? N(age.TotalHours) + "h" : $"{N(age.TotalHours)}h{N(age.Minutes)}m";
        }
        if (age.TotalHours < 48)
        {
            return N(age.TotalHours) + "h";
        }
        if (age.TotalDays < 8)
        {
            return age.Hours == 0 ? N(age.TotalDays) + "d" : $"{N(age.TotalDays)}d{N(age.Hours)}h";
        }
        return N(age.TotalDays) + "d";
    }
}
