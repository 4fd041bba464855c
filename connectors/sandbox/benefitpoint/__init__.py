"""The BenefitPoint sandbox: a SOAP 1.1 server for the BrokerConnect v4 subset plansync speaks."""
