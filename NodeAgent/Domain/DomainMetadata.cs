using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Orvirt.Interfaces;

namespace Orvirt.NodeAgent.Domain;

/// <summary>What the agent stores in a domain's <c>&lt;metadata&gt;</c> so that a restarted agent can adopt the domain.</summary>
public sealed record DomainMetadata(string Namespace, string Name, string Uid, string InstanceId, long Generation, long Sequence)
{
    /// <summary>The XML namespace of the agent's metadata element.</summary>
    public static readonly XNamespace Xmlns = "https://orvirt.io/xmlns/domain/v1";

    /// <summary>The metadata element's name.</summary>
    public static readonly XName ElementName = Xmlns + "vm";

    public VmId Id => new(Namespace, Name);

    /// <summary>The metadata for a desired state.</summary>
    public static DomainMetadata From(VmDesired d) => new(d.Namespace, d.Name, d.Uid, d.InstanceId, d.Generation, d.Sequence);

    /// <summary>The element placed under <c>&lt;metadata&gt;</c>.</summary>
    public XElement ToElement() => new(
        ElementName,
        new XAttribute(XNamespace.Xmlns + "orvirt", Xmlns.NamespaceName),
        new XElement(Xmlns + "namespace", Namespace),
        new XElement(Xmlns + "name", Name),
        new XElement(Xmlns + "uid", Uid),
        new XElement(Xmlns + "instance", InstanceId),
        new XElement(Xmlns + "generation", Generation.ToString(CultureInfo.InvariantCulture)),
        new XElement(Xmlns + "sequence", Sequence.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Reads the metadata back from a domain's XML; null when the domain was not made by this agent.</summary>
    public static DomainMetadata? Parse(string domainXml)
    {
        XDocument doc;
        try
        {
            doc = XDocument.Parse(domainXml, LoadOptions.PreserveWhitespace);
        }
        catch (XmlException)
        {
            return null;
        }
        var vm = doc.Root?.Element("metadata")?.Element(ElementName);
        if (vm is null)
        {
            return null;
        }
        string Text(string n) => vm.Element(Xmlns + n)?.Value ?? "";
        long Number(string n) => long.TryParse(Text(n), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;
        var ns = Text("namespace");
        var name = Text("name");
        if (ns.Length == 0 || name.Length == 0)
        {
            return null;
        }
        return new DomainMetadata(ns, name, Text("uid"), Text("instance"), Number("generation"), Number("sequence"));
    }
}
