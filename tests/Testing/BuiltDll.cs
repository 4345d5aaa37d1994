namespace Orvirt.Testing;

/// <summary>Finds the product's built assemblies and the dotnet host that runs them.</summary>
public static class BuiltDll
{
    /// <summary>
    /// The path of <paramref name="dllName"/> built from <c>&lt;repo&gt;/<paramref name="projectDir"/></c>: the explicit path, else
    /// the environment variable, else the first folder above the test assembly that holds the project (same configuration first).
    /// </summary>
    public static string Locate(string projectDir, string projectFile, string dllName, string environmentVariable, string? explicitPath = null)
    {
        var path = explicitPath ?? Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrEmpty(path))
        {
            return File.Exists(path)
                ? Path.GetFullPath(path)
                : throw new FileNotFoundException($"'{path}' (from {environmentVariable} or the options) does not exist; build {projectDir}/ or fix the path.", path);
        }
        var sep = Path.DirectorySeparatorChar;
        var configuration = AppContext.BaseDirectory.Contains($"{sep}Release{sep}", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, projectDir, projectFile)))
            {
                continue;
            }
            foreach (var candidate in new[] { configuration, configuration == "Debug" ? "Release" : "Debug" })
            {
                var dll = Path.Combine(dir.FullName, projectDir, "bin", candidate, "net10.0", dllName);
                if (File.Exists(dll))
                {
                    return dll;
                }
            }
            throw new FileNotFoundException($"Found {Path.Combine(dir.FullName, projectDir)} but no built {dllName} in it; run 'dotnet build {projectDir}' or set {environmentVariable}.");
        }
        throw new FileNotFoundException($"Could not find {projectDir}/{projectFile} above {AppContext.BaseDirectory}; set {environmentVariable} to the path of {dllName}.");
    }

    /// <summary>The dotnet host running this process, or <c>dotnet</c> from PATH.</summary>
    public static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
