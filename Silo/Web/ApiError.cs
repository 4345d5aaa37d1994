namespace Orvirt.Silo.Web;

/// <summary>The body of a refused <c>/api</c> request: which field was wrong and how to fix it.</summary>
public sealed record ApiError(string Field, string Message);
