"""Words the demo data is made of: people, places, companies, titles, deal lines and notes.

Everything here is fictional. Company and personal e-mail domains end in ``.example`` and
phone numbers come from ranges regulators reserve for fiction (Ofcom's drama numbers,
ARCEP's 01 99 00 / 06 39 98 blocks), so a demo that is wired to a real e-mail or SMS
provider can never reach a real person.

The notes carry a sentiment label (positive, neutral, negative, sarcastic: negative in
meaning, upbeat in words), so the sentiment model can be checked against the demo.
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["clinic", "lab", "insurer", "supplier", "employer"]
Sentiment = Literal["positive", "neutral", "negative", "sarcastic"]

# fmt: off
FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "ES": (
        "María", "Lucía", "Carmen", "Ana", "Laura", "Marta", "Elena", "Paula", "Sofía", "Isabel",
        "Javier", "Carlos", "Alejandro", "Miguel", "David", "José", "Antonio", "Francisco", "Manuel",
        "Pablo", "Sergio", "Jorge", "Álvaro", "Raquel", "Nuria", "Ignacio", "Enrique", "Dolores",
        "Pilar", "Beatriz",
    ),
    "FR": (
        "Camille", "Léa", "Manon", "Chloé", "Inès", "Julie", "Claire", "Sophie", "Élodie", "Nathalie",
        "Lucas", "Hugo", "Louis", "Thomas", "Nicolas", "Julien", "Antoine", "Mathieu", "Pierre",
        "Guillaume", "Olivier", "Étienne", "Margaux", "Aurélie",
    ),
    "DE": (
        "Anna", "Lena", "Julia", "Katharina", "Sabine", "Claudia", "Petra", "Johanna", "Franziska",
        "Lukas", "Jonas", "Maximilian", "Felix", "Tobias", "Stefan", "Michael", "Andreas", "Jürgen",
        "Matthias", "Florian", "Johannes", "Josef",
    ),
    "PT": (
        "Beatriz", "Inês", "Mariana", "Catarina", "Joana", "Rita", "Sofia", "Teresa", "Filipa", "João",
        "Tiago", "Rui", "Pedro", "Diogo", "Nuno", "Ricardo", "Gonçalo", "André", "Luís",
    ),
    "IT": (
        "Giulia", "Chiara", "Francesca", "Sara", "Martina", "Valentina", "Alessia", "Federica", "Silvia",
        "Marco", "Luca", "Alessandro", "Andrea", "Matteo", "Lorenzo", "Davide", "Giuseppe", "Stefano",
        "Paolo", "Riccardo",
    ),
    "UK": (
        "Olivia", "Amelia", "Emily", "Grace", "Charlotte", "Hannah", "Jessica", "Rebecca", "Elizabeth",
        "Margaret", "James", "Oliver", "Jack", "Harry", "William", "Daniel", "Robert", "Michael",
    ),
    "IE": (
        "Siobhan", "Aoife", "Niamh", "Ciara", "Róisín", "Patrick", "Liam", "Conor", "Seán", "Eoin",
        "Declan", "Fiona",
    ),
    "NL": (
        "Emma", "Sanne", "Lotte", "Fleur", "Anouk", "Eva", "Femke", "Daan", "Sem", "Bram", "Lars",
        "Thijs", "Jeroen", "Maarten", "Sander", "Pieter", "Joost", "Ruud",
    ),
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "ES": (
        "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
        "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero",
        "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Serrano", "Molina", "Castillo",
        "Ortega", "Delgado", "Iglesias",
    ),
    "FR": (
        "Martin", "Bernard", "Dubois", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
        "Laurent", "Lefèvre", "Michel", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Chevalier",
        "Fontaine", "Girard", "Bonnet", "Lambert",
    ),
    "DE": (
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
        "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
        "Braun", "Krüger", "Hartmann", "Lange", "Werner", "Krause",
    ),
    "PT": (
        "Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Sousa",
        "Fernandes", "Gonçalves", "Gomes", "Lopes", "Marques", "Alves", "Almeida", "Ribeiro", "Pinto",
        "Carvalho", "Teixeira", "Moreira",
    ),
    "IT": (
        "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
        "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Giordano", "Rizzo", "Lombardi",
        "Moretti", "Barbieri", "Fontana",
    ),
    "UK": (
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
        "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Clarke",
        "Hughes",
    ),
    "IE": (
        "Murphy", "Kelly", "O'Brien", "Byrne", "Ryan", "Walsh", "O'Sullivan", "Doyle", "McCarthy", "Nolan",
    ),
    "NL": (
        "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit", "Meijer",
        "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
        "Brouwer",
    ),
}

# fmt: on

COUNTRY_NAMES = {
    "ES": "Spain",
    "FR": "France",
    "DE": "Germany",
    "PT": "Portugal",
    "IT": "Italy",
    "UK": "United Kingdom",
    "IE": "Ireland",
    "NL": "Netherlands",
}
LANGUAGES = {
    "ES": "Español",
    "FR": "Français",
    "DE": "Deutsch",
    "PT": "Português",
    "IT": "Italiano",
    "UK": "English",
    "IE": "English",
    "NL": "Nederlands",
}

# city -> (region, postal code pattern: '#' a digit, 'A' a letter)
CITIES: dict[str, dict[str, tuple[str, str]]] = {
    "ES": {
        "Madrid": ("Comunidad de Madrid", "280##"),
        "Barcelona": ("Cataluña", "080##"),
        "Valencia": ("Comunitat Valenciana", "460##"),
        "Sevilla": ("Andalucía", "410##"),
        "Málaga": ("Andalucía", "290##"),
        "Zaragoza": ("Aragón", "500##"),
        "Bilbao": ("País Vasco", "480##"),
        "Alicante": ("Comunitat Valenciana", "030##"),
    },
    "FR": {
        "Paris": ("Île-de-France", "750##"),
        "Lyon": ("Auvergne-Rhône-Alpes", "6900#"),
        "Lille": ("Hauts-de-France", "5900#"),
        "Bordeaux": ("Nouvelle-Aquitaine", "3300#"),
        "Toulouse": ("Occitanie", "3100#"),
        "Roubaix": ("Hauts-de-France", "59100"),
    },
    "DE": {
        "Hamburg": ("Hamburg", "20###"),
        "München": ("Bayern", "80###"),
        "Berlin": ("Berlin", "10###"),
        "Frankfurt am Main": ("Hessen", "603##"),
        "Stuttgart": ("Baden-Württemberg", "701##"),
        "Duisburg": ("Nordrhein-Westfalen", "470##"),
    },
    "PT": {
        "Lisboa": ("Lisboa", "1###-###"),
        "Porto": ("Porto", "4###-###"),
        "Faro": ("Algarve", "8000-###"),
        "Braga": ("Braga", "47##-###"),
    },
    "IT": {
        "Milano": ("Lombardia", "201##"),
        "Roma": ("Lazio", "001##"),
        "Torino": ("Piemonte", "101##"),
        "Venezia": ("Veneto", "301##"),
        "Bologna": ("Emilia-Romagna", "401##"),
        "Napoli": ("Campania", "801##"),
    },
    "UK": {
        "London": ("Greater London", "EC# #AA"),
        "Manchester": ("Greater Manchester", "M# #AA"),
        "Bristol": ("Bristol", "BS# #AA"),
        "Leeds": ("West Yorkshire", "LS# #AA"),
        "Birmingham": ("West Midlands", "B# #AA"),
        "Cambridge": ("Cambridgeshire", "CB# #AA"),
    },
    "IE": {
        "Dublin": ("Leinster", "D0# A###"),
        "Cork": ("Munster", "T12 A###"),
        "Galway": ("Connacht", "H91 A###"),
    },
    "NL": {
        "Amsterdam": ("Noord-Holland", "10## AA"),
        "Rotterdam": ("Zuid-Holland", "30## AA"),
        "Utrecht": ("Utrecht", "35## AA"),
        "Eindhoven": ("Noord-Brabant", "56## AA"),
    },
}

# fmt: off
# country -> (street names, format with {street} and {n})
STREETS: dict[str, tuple[tuple[str, ...], str]] = {
    "ES": (
        ("Calle Mayor", "Calle de Alcalá", "Avenida de la Constitución", "Calle del Sol", "Calle Real",
         "Paseo de Gracia", "Avenida del Puerto", "Calle San Vicente", "Calle de la Paz"),
        "{street}, {n}",
    ),
    "FR": (
        ("rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Pasteur",
         "rue des Lilas", "rue Nationale", "quai des Chartrons"),
        "{n} {street}",
    ),
    "DE": (
        ("Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schillerstraße", "Goethestraße", "Lindenallee",
         "Am Markt", "Mühlenweg"),
        "{street} {n}",
    ),
    "PT": (
        ("Rua Augusta", "Avenida da Liberdade", "Rua de Santa Catarina", "Rua do Comércio",
         "Avenida dos Aliados", "Rua das Flores"),
        "{street}, {n}",
    ),
    "IT": (
        ("Via Roma", "Corso Italia", "Via Garibaldi", "Via Mazzini", "Via Dante", "Via Verdi",
         "Viale dei Mille"),
        "{street} {n}",
    ),
    "UK": (
        ("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "Park Avenue",
         "Queen Street"),
        "{n} {street}",
    ),
    "IE": (("Main Street", "Church Road", "Harbour View", "Castle Street", "Strand Road"), "{n} {street}"),
    "NL": (
        ("Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenweg", "Keizersgracht", "Julianalaan"),
        "{street} {n}",
    ),
}

# fmt: on

# Fiction-reserved phone number blocks: (prefix, digits to add).
PHONE_BLOCKS: tuple[tuple[str, int], ...] = (
    ("+44 7700 900", 3),
    ("+44 20 7946 0", 3),
    ("+44 161 496 0", 3),
    ("+44 113 496 0", 3),
    ("+44 117 496 0", 3),
    ("+44 121 496 0", 3),
    ("+33 1 99 00 ", 4),
    ("+33 6 39 98 ", 4),
)

PERSONAL_DOMAINS = ("mail.example", "correo.example", "post.example", "inbox.example", "posteo.example")


class CompanySpec:
    __slots__ = ("city", "country", "employees", "industry", "kind", "name")

    def __init__(
        self, name: str, kind: Kind, industry: str, country: str, city: str, employees: tuple[int, int]
    ) -> None:
        self.name, self.kind, self.industry = name, kind, industry
        self.country, self.city, self.employees = country, city, employees


def _c(name: str, kind: Kind, industry: str, country: str, city: str, lo: int, hi: int) -> CompanySpec:
    return CompanySpec(name, kind, industry, country, city, (lo, hi))


COMPANIES: tuple[CompanySpec, ...] = (
    # Partner and network clinics
    _c("Northwind Family Clinic Lyon", "clinic", "healthcare", "FR", "Lyon", 15, 60),
    _c("Clínica Dental Sonrisa", "clinic", "healthcare", "ES", "Madrid", 8, 30),
    _c("Centro Médico Alameda", "clinic", "healthcare", "ES", "Sevilla", 20, 90),
    _c("Praxisklinik am Stadtpark", "clinic", "healthcare", "DE", "Hamburg", 12, 45),
    _c("Physio Plus Porto", "clinic", "healthcare", "PT", "Porto", 6, 25),
    _c("Ambulatorio San Marco", "clinic", "healthcare", "IT", "Venezia", 10, 40),
    _c("Harbourside Physiotherapy", "clinic", "healthcare", "UK", "Bristol", 6, 20),
    _c("Kliniek De Linde", "clinic", "healthcare", "NL", "Utrecht", 25, 110),
    _c("Clinique du Parc Monceau", "clinic", "healthcare", "FR", "Paris", 30, 120),
    _c("Clínica Oftalmológica Vista Clara", "clinic", "healthcare", "ES", "Valencia", 15, 50),
    _c("Riverside Sports Medicine", "clinic", "healthcare", "IE", "Dublin", 8, 35),
    _c("Zahnzentrum Isartor", "clinic", "healthcare", "DE", "München", 10, 40),
    _c("Clínica Saúde Oriente", "clinic", "healthcare", "PT", "Lisboa", 20, 70),
    _c("Centro Fisioterapico Navigli", "clinic", "healthcare", "IT", "Milano", 8, 30),
    _c("Greenway Dermatology Clinic", "clinic", "healthcare", "UK", "Manchester", 10, 35),
    _c("Policlínica Mediterránea", "clinic", "healthcare", "ES", "Barcelona", 40, 150),
    # Laboratories
    _c("BioAnalítica Laboratorios", "lab", "healthcare", "ES", "Madrid", 40, 250),
    _c("Laboratoire Lumière Analyses", "lab", "healthcare", "FR", "Lyon", 30, 180),
    _c("MedLab Nord", "lab", "healthcare", "DE", "Hamburg", 60, 400),
    _c("Genómica Iberia", "lab", "healthcare", "ES", "Barcelona", 20, 90),
    _c("Clearpath Diagnostics", "lab", "healthcare", "UK", "London", 50, 300),
    _c("Laboratorio Analisi Aurora", "lab", "healthcare", "IT", "Torino", 25, 120),
    # Insurers
    _c("Mutua Solaris Seguros", "insurer", "insurance", "ES", "Madrid", 800, 4000),
    _c("Assurances Horizon Santé", "insurer", "insurance", "FR", "Paris", 1200, 6000),
    _c("Nordstern Krankenversicherung", "insurer", "insurance", "DE", "Frankfurt am Main", 2000, 8000),
    _c("Lusitana Vida e Saúde", "insurer", "insurance", "PT", "Lisboa", 300, 1500),
    _c("Harbour Health Insurance", "insurer", "insurance", "UK", "Leeds", 400, 2500),
    _c("Polizza Serena Assicurazioni", "insurer", "insurance", "IT", "Milano", 500, 3000),
    # Suppliers
    _c("Medisupply Europa", "supplier", "logistics", "NL", "Rotterdam", 120, 600),
    _c("SterilTech Iberia", "supplier", "manufacturing", "ES", "Zaragoza", 40, 200),
    _c("OrthoForm Implants", "supplier", "manufacturing", "DE", "Stuttgart", 150, 900),
    _c("DentaPro Distribución", "supplier", "retail", "ES", "Valencia", 25, 120),
    _c("ClearView Imaging Systems", "supplier", "technology", "UK", "Cambridge", 80, 450),
    _c("PharmaLink Logistics", "supplier", "logistics", "NL", "Eindhoven", 200, 800),
    _c("Textiles Sanitarios Levante", "supplier", "manufacturing", "ES", "Alicante", 30, 140),
    _c("Kaltmann Medizintechnik", "supplier", "manufacturing", "DE", "Berlin", 90, 500),
    # Employers buying corporate health plans
    _c("Atlas Freight Logistics", "employer", "logistics", "ES", "Zaragoza", 300, 1200),
    _c("Brightwave Hotels", "employer", "hospitality", "PT", "Faro", 150, 700),
    _c("Telvia Communications", "employer", "technology", "ES", "Madrid", 800, 3500),
    _c("Norvik Shipping", "employer", "logistics", "NL", "Rotterdam", 200, 900),
    _c("Maison Brunel Retail", "employer", "retail", "FR", "Lille", 400, 2000),
    _c("Stahlwerk Rheinau", "employer", "manufacturing", "DE", "Duisburg", 1500, 6000),
    _c("Costa Azul Resorts", "employer", "hospitality", "ES", "Málaga", 250, 1100),
    _c("Ferrovia Logistica Italia", "employer", "logistics", "IT", "Bologna", 350, 1500),
    _c("Greenfield Academy Trust", "employer", "education", "UK", "Birmingham", 200, 900),
    _c("Banco Meridional", "employer", "finance", "ES", "Sevilla", 1000, 5000),
    _c("Ayuntamiento de Villanueva", "employer", "public_sector", "ES", "Valencia", 300, 800),
    _c("Quanta Software Labs", "employer", "technology", "IE", "Dublin", 60, 250),
    _c("Panificio Rossi e Figli", "employer", "manufacturing", "IT", "Napoli", 40, 150),
    _c("Supermercados Frescor", "employer", "retail", "PT", "Porto", 600, 2500),
    _c("Helios Energy Solutions", "employer", "other", "DE", "Frankfurt am Main", 120, 600),
    _c("Cortez Construction Group", "employer", "other", "ES", "Bilbao", 200, 800),
    _c("Lumen Hotels Amsterdam", "employer", "hospitality", "NL", "Amsterdam", 90, 400),
    _c("Veloce Couriers", "employer", "logistics", "IT", "Roma", 150, 700),
    _c("Brennan & Walsh Accountants", "employer", "finance", "IE", "Cork", 25, 90),
    _c("Atelier Textile Roubaix", "employer", "manufacturing", "FR", "Roubaix", 60, 250),
    _c("Kestrel Ground Services", "employer", "logistics", "UK", "Manchester", 400, 1800),
    _c("Instituto Politécnico do Norte", "employer", "education", "PT", "Braga", 300, 1000),
)

# Near-duplicate companies planted for the dedupe job (same firm entered twice by two people).
DUPLICATE_COMPANIES: tuple[tuple[str, str], ...] = (
    ("Atlas Freight Logistics", "Atlas Freight Logistics S.L."),
    ("Clinique du Parc Monceau", "Clinique Parc Monceau"),
)


# Job titles per kind of company, grouped by seniority (c_level, director, manager, individual).
TITLES: dict[Kind, dict[str, tuple[str, ...]]] = {
    "clinic": {
        "c_level": ("Owner", "Chief Medical Officer", "Founder"),
        "director": ("Medical Director", "Head of Nursing", "Clinical Director"),
        "manager": ("Clinic Manager", "Practice Manager", "Patient Services Lead"),
        "individual": ("Physiotherapist", "Dentist", "Receptionist", "Patient Coordinator", "Nurse"),
    },
    "lab": {
        "c_level": ("CEO", "Chief Scientific Officer"),
        "director": ("Laboratory Director", "Head of Quality"),
        "manager": ("Account Manager", "Sales Manager", "Lab Supervisor"),
        "individual": ("Lab Technician", "Biomedical Scientist", "Customer Service Agent"),
    },
    "insurer": {
        "c_level": ("Chief Operating Officer", "CFO"),
        "director": ("Head of Provider Relations", "Network Director", "Director of Partnerships"),
        "manager": ("Partnership Manager", "Claims Manager", "Provider Network Manager"),
        "individual": ("Underwriter", "Claims Analyst", "Actuarial Analyst"),
    },
    "supplier": {
        "c_level": ("CEO", "Managing Partner"),
        "director": ("Sales Director", "Head of Key Accounts"),
        "manager": ("Key Account Manager", "Customer Success Manager", "Logistics Coordinator"),
        "individual": ("Sales Representative", "Field Engineer", "Inside Sales Agent"),
    },
    "employer": {
        "c_level": ("CEO", "CFO", "Chief People Officer", "Founder"),
        "director": ("HR Director", "Head of Benefits", "Director of Operations", "VP People"),
        "manager": ("Benefits Manager", "Office Manager", "HR Coordinator", "Health and Safety Manager"),
        "individual": ("HR Assistant", "Recruiter", "Payroll Analyst", "Receptionist"),
    },
}

LEAD_SOURCES = ("web_form", "referral", "event", "paid_ads", "partner", "cold_outbound")
LEAD_LOST_REASONS = (
    "No budget this year",
    "Chose a competitor",
    "Not the decision maker",
    "Went silent after first call",
    "Only wanted a price list",
    "Already covered by their insurer",
    "Too far from our clinics",
    "Timing: revisit next year",
)
DEAL_LOST_REASONS = (
    "Price too high",
    "Chose a competitor",
    "No budget this year",
    "Went silent",
    "Insurance did not cover the treatment",
    "Clinic too far from home",
    "Decision postponed indefinitely",
    "Procurement chose the incumbent",
)

# Deal lines: (name, amount range in EUR, sales cycle range in days)
PATIENT_TREATMENTS: tuple[tuple[str, tuple[int, int], tuple[int, int]], ...] = (
    ("Dental implants", (1800, 4500), (14, 75)),
    ("Orthodontic treatment", (2500, 6000), (20, 90)),
    ("Physiotherapy programme", (450, 1200), (5, 30)),
    ("Executive health check", (350, 900), (5, 25)),
    ("Cataract surgery", (1900, 4800), (20, 80)),
    ("Dermatology treatment plan", (300, 1500), (7, 40)),
    ("Knee rehabilitation", (900, 2600), (10, 45)),
)
CORPORATE_LINES: dict[Kind, tuple[tuple[str, tuple[int, int], tuple[int, int]], ...]] = {
    "employer": (
        ("Corporate health plan", (90, 320), (45, 150)),  # per employee
        ("Annual check-up programme", (60, 180), (30, 110)),
        ("Flu vaccination days", (15, 35), (20, 60)),
        ("Occupational health contract", (70, 220), (45, 140)),
        ("Mental health add-on", (25, 80), (30, 100)),
    ),
    "clinic": (
        ("Referral partnership", (5000, 40000), (30, 120)),
        ("Shared imaging services", (8000, 35000), (40, 130)),
    ),
    "lab": (("Laboratory services contract", (10000, 80000), (40, 140)),),
    "insurer": (("Preferred provider agreement", (50000, 250000), (60, 180)),),
    "supplier": (("Supply framework renewal", (12000, 90000), (30, 120)),),
}

TOPICS_CORPORATE = (
    "the corporate health plan",
    "the annual check-up package",
    "the physio programme for warehouse staff",
    "the mental health add-on",
    "the flu vaccination days",
    "the dental cover",
    "the occupational health contract",
)
TOPICS_PATIENT = (
    "the implant treatment",
    "the orthodontic plan",
    "the physio sessions",
    "the cataract consultation",
    "the skin check",
    "the knee rehab plan",
    "the health check results",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")

# {first}: the person, {company}: their organisation, {topic}: what is being sold, {day}: a weekday.
NOTES: dict[Sentiment, tuple[str, ...]] = {
    "positive": (
        "Great call with {first}. They loved {topic} and want a proposal by {day}.",
        "{first} confirmed budget is approved for {topic}. Very promising, legal review next.",
        "Fantastic feedback from {first} after the site visit: staff were impressed with how quickly we "
        "book appointments.",
        "{first} said our clinic in their area is the best they have worked with. Happy to be a reference.",
        "Signed! {company} is on board. {first} thanked the whole team for the smooth onboarding.",
        "{first} is excited about {topic}; they want to roll it out to a second site next quarter.",
        "Really warm meeting. {first} already shared the proposal internally and the CFO likes it.",
        "{first} wrote to say the physio team changed their life after the injury. Lovely message.",
        "Pilot results look excellent: absenteeism at {company} is down and {first} is delighted.",
        "{first} recommended us to two other companies. Strong advocate, keep them close.",
        "Quick win: {first} accepted the revised quote for {topic} without further changes.",
        "Patient very satisfied with {topic}, booked the follow-up straight away and left a 5-star review.",
        "{first} praised the new booking app. Says it saves their HR team hours every week.",
        "Good news: {company} wants to extend the contract for two more years.",
        "{first} agreed to a case study about {topic}. Marketing will be thrilled.",
        "The demo went brilliantly, {first} asked smart questions and wants to start in {day}'s meeting.",
        "{first} called to say thank you: {topic} went better than expected.",
        "Patient arrived early, very relaxed, and booked the next two sessions on the spot.",
        "{first} loved the online booking and found a slot for {day} in two minutes.",
        "Follow-up after {topic}: recovery is ahead of schedule and {first} is really happy.",
    ),
    "neutral": (
        "Called {first} about {topic}. Left a voicemail, will try again on {day}.",
        "Sent the updated brochure and price list for {topic} to {first}.",
        "{first} asked for the list of clinics within 20 km of their offices. Sent it.",
        "Meeting moved to {day} at their request. Agenda unchanged.",
        "{first} is collecting quotes from three providers; decision expected end of month.",
        "Discussed invoicing details with {first}: they need a PO number on every invoice.",
        "{company} is reorganising HR; {first} will introduce the new benefits lead.",
        "Reviewed the contract draft for {topic} with {first}. Two clauses to check with legal.",
        "{first} needs the data processing agreement before going further.",
        "Booked an initial consultation for {day}. Patient asked about parking and opening hours.",
        "Logged the request: {first} wants appointment slots for 40 employees in March.",
        "Checked in with {first}; no news yet, procurement is still reviewing {topic}.",
        "Insurance pre-authorisation requested for {topic}. Waiting for the insurer's reply.",
        "{first} asked whether the plan covers family members. Sent the terms.",
        "Updated the contact details after {first} changed role within {company}.",
        "Transferred the account to the Iberia team as {company} moved its headquarters.",
        "{first} asked to move the appointment to {day} morning.",
        "Sent {first} the pre-treatment instructions for {topic}.",
    ),
    "negative": (
        "{first} is unhappy with waiting times at the Lyon clinic. Escalated to the medical director.",
        "Complaint: invoice for {topic} was sent twice. {first} is annoyed, credit note issued.",
        "{first} says our price for {topic} is 30% above the competitor's. Not looking good.",
        "Bad call. {first} felt the proposal ignored their night-shift workers entirely.",
        "Lost {company}. They went with the incumbent insurer's network, cheaper per head.",
        "{first} cancelled the pilot: too few employees used the service.",
        "Patient disappointed with the results of {topic} and asked for a second opinion.",
        "{first} has not replied to three emails and two calls. Deal going cold.",
        "Appointment no-show again. Patient said reminders never arrived.",
        "{first} complained the booking line kept them on hold for 25 minutes.",
        "Legal blocked the contract: our liability clause is unacceptable to {company}.",
        "Budget for {topic} was cut after {company}'s poor quarter. Frozen until further notice.",
        "{first} is frustrated that the lab results took two weeks instead of three days.",
        "Serious complaint about the rude receptionist; {first} expects a formal apology.",
    ),
    "sarcastic": (
        "Oh great, the third 'urgent' call this week about the same invoice. Loving it.",
        "Wonderful, {first} needs yet another approval round. Only the fifth so far.",
        "Fantastic news: procurement lost our proposal. Again. Resending for the 4th time.",
        "Sure, {company} will 'definitely decide by Friday'. Just like the last six Fridays.",
        "Brilliant, the pilot clinic double-booked every slot on launch day. Great first impression.",
        "Love how {first} found our price 'interesting' right before going silent for a month.",
        "Another thrilling hour of {first} reading the contract aloud. Two commas changed.",
        "Perfect timing: the booking app crashed during {first}'s demo. Truly our finest moment.",
        "Yeah, because patients obviously enjoy waiting 40 minutes past their appointment time.",
        "Of course the signed contract is 'somewhere in {first}'s inbox'. Naturally.",
        "Wonderful, {first} was quoted three different prices for {topic} by three different people.",
        "Great, the reminder SMS went out an hour after the appointment. Very helpful.",
    ),
}

# Notes that only make sense about an organisation (kept off patients' records).
CORPORATE_ONLY = re.compile(
    r"HR|employees|staff|procurement|[Cc]ontract|CFO|pilot|[Ll]egal|PO number|quotes from three|"
    r"reorganising|site|case study|demo|account|data processing|reference|insurer's network"
)

CALL_SUBJECTS = (
    "Discovery call with {first}",
    "Follow-up call: {topic}",
    "Pricing call with {first}",
    "Check-in call",
    "Call about {topic}",
)
MEETING_SUBJECTS = (
    "Discovery meeting at {company}",
    "Site visit at {company}",
    "Proposal walkthrough: {topic}",
    "Contract review with {first}",
    "Quarterly business review",
    "Consultation: {topic}",
)
EMAIL_SUBJECTS = (
    "Proposal for {topic}",
    "Re: questions about {topic}",
    "Clinic locations near {company}",
    "Next steps",
    "Your appointment confirmation",
)
TASKS = (
    "Send proposal for {topic} to {first}",
    "Follow up with {first} about {topic}",
    "Prepare contract draft for {company}",
    "Book site visit at {company}",
    "Ask {first} for the signed DPA",
    "Call {first} to confirm the appointment",
    "Check insurer pre-authorisation for {topic}",
    "Send satisfaction survey to {first}",
)

# fmt: off
CONTACT_TAGS = ("vip", "newsletter", "cardiology", "dental", "physio", "ophthalmology", "dermatology",
                "corporate-plan", "referral-partner", "decision-maker", "speaks-english", "event-2025")
COMPANY_TAGS = ("key-account", "network-partner", "renewal-due", "strategic", "low-touch")
# fmt: on
