namespace Orvirt.Interfaces;

/// <summary>A parsed Kubernetes label selector: <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a</c>, <c>!a</c>, <c>a in (x,y)</c>, <c>a notin (x,y)</c>.</summary>
public sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _terms;

    private LabelSelector(List<Func<IReadOnlyDictionary<string, string>, bool>> terms) => _terms = terms;

    public static readonly LabelSelector Everything = new([]);

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _terms.All(t => t(labels));

    /// <summary>Parses a selector; the error says which term is wrong.</summary>
    public static bool TryParse(string? text, out LabelSelector selector, out string error)
    {
        selector = Everything;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        var terms = new List<Func<IReadOnlyDictionary<string, string>, bool>>();
        foreach (var raw in SplitTerms(text))
        {
            var term = raw.Trim();
            if (term.Length == 0)
            {
                error = "empty term; separate terms with single commas, e.g. 'app=web,tier!=db'";
                return false;
            }
            var inIdx = IndexOfWord(term, " notin ");
            var notIn = inIdx >= 0;
            if (inIdx < 0)
            {
                inIdx = IndexOfWord(term, " in ");
            }
            if (inIdx >= 0)
            {
                var key = term[..inIdx].Trim();
                var rest = term[(inIdx + (notIn ? 7 : 4))..].Trim();
                if (!rest.StartsWith('(') || !rest.EndsWith(')'))
                {
                    error = $"'{term}': a set must be in parentheses, e.g. 'env in (a,b)'";
                    return false;
                }
                var values = rest[1..^1].Split(',').Select(v => v.Trim()).ToHashSet(StringComparer.Ordinal);
                if (!ValidKey(key, out error))
                {
                    return false;
                }
                foreach (var v in values)
                {
                    if (!ValidValue(v, out error))
                    {
                        return false;
                    }
                }
                terms.Add(notIn
                    ? l => !l.TryGetValue(key, out var v) || !values.Contains(v)
                    : l => l.TryGetValue(key, out var v) && values.Contains(v));
                continue;
            }
            var neq = term.IndexOf("!=", StringComparison.Ordinal);
            var eqeq = term.IndexOf("==", StringComparison.Ordinal);
            var eq = term.IndexOf('=');
            if (neq >= 0 || eq >= 0)
            {
                var (idx, len, negate) = neq >= 0 ? (neq, 2, true) : eqeq >= 0 ? (eqeq, 2, false) : (eq, 1, false);
                var key = term[..idx].Trim();
                var value = term[(idx + len)..].Trim();
                if (!ValidKey(key, out error) || !ValidValue(value, out error))
                {
                    return false;
                }
                terms.Add(negate
                    ? l => !l.TryGetValue(key, out var v) || v != value
                    : l => l.TryGetValue(key, out var v) && v == value);
                continue;
            }
            if (term.StartsWith('!'))
            {
                var key = term[1..].Trim();
                if (!ValidKey(key, out error))
                {
                    return false;
                }
                terms.Add(l => !l.ContainsKey(key));
                continue;
            }
            if (!ValidKey(term, out error))
            {
                return false;
            }
            var exists = term;
            terms.Add(l => l.ContainsKey(exists));
        }
        selector = new LabelSelector(terms);
        return true;
    }

    private static int IndexOfWord(string term, string word) => term.IndexOf(word, StringComparison.Ordinal);

    private static IEnumerable<string> SplitTerms(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }

    private static bool ValidKey(string key, out string error)
    {
        error = "";
        if (VmValidator.IsLabelKey(key))
        {
            return true;
        }
        error = $"'{key}' is not a valid label key (up to 63 of [A-Za-z0-9._-], starting and ending alphanumeric, optional DNS prefix/)";
        return false;
    }

    private static bool ValidValue(string value, out string error)
    {
        error = "";
        if (VmValidator.IsLabelValue(value))
        {
            return true;
        }
        error = $"'{value}' is not a valid label value (up to 63 of [A-Za-z0-9._-], starting and ending alphanumeric)";
        return false;
    }
}
