namespace Orvirt.Resilience.Tests;

/// <summary>The repository this test assembly was built from (the folder that holds <c>Orleans.sln</c>).</summary>
public static class RepositoryRoot
{
    /// <summary>Walks up from the test binaries to the folder with <c>Orleans.sln</c>.</summary>
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Orleans.sln above {AppContext.BaseDirectory}; run the tests from the repository's build output");
    }
}
