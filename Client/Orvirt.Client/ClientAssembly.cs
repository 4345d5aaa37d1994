namespace Orvirt.Client;
