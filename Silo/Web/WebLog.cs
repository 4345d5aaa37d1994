namespace Orvirt.Silo.Web;

/// <summary>Log messages of the HTTP endpoint's pages.</summary>
public static partial class WebLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "VM page on http://{HttpEndpoint}/, Orleans dashboard on /dashboard, metrics on /metrics; access needs {Access}")]
    public static partial void Serving(ILogger logger, string httpEndpoint, string access);
}
