"""Dutch word lists for the demo data (``loket.services.demo``): school and company names, people,
trades and topics per sector, and the weights that shape the generated mix."""

# fmt: off
PO_PREFIX = ('Basisschool', 'OBS', 'CBS', 'PCBS', 'RKBS', 'IKC', 'Montessorischool', 'Daltonschool',
    'Jenaplanschool', 'Kindcentrum', 'Openbare Basisschool')
PO_CORE = ('De Vlinder', 'De Regenboog', 'Het Kompas', 'De Wegwijzer', 'De Zonnewijzer', "'t Palet",
    'De Springplank', 'De Klimop', 'De Horizon', 'De Bron', 'Het Mozaïek', 'De Fontein', 'De Wilgenhoek',
    'De Boomgaard', 'Het Anker', 'De Sterrenkijker', 'De Ontdekking', 'De Windroos', "'t Schrijverke",
    'De Eendracht', 'Het Klavertje', 'De Kameleon', 'De Piramide', 'De Tweemaster', 'De Zevensprong',
    'Het Vogelnest', 'De Linde', 'De Esch', 'Sint Jozef', 'Willem-Alexander', 'Prinses Amalia', 'Juliana',
    'Oranje Nassau', 'De Akker', 'De Meander', 'Het Baken', 'De Wieken', 'De Brug', 'De Parel',
    'De Notenbalk', 'De Toermalijn', 'Het Startpunt', 'De Kinderkoepel')
VO_FOUNDER = ('Erasmus', 'Thorbecke', 'Van der Capellen', 'Comenius', 'Huygens', 'Spinoza', 'Van Maerlant',
    'Stevin', 'Bonhoeffer', 'Johan de Witt', 'Melanchthon', 'Calvijn', 'Canisius', 'Willibrord',
    'Vincent van Gogh', 'Lorentz', 'Titus Brandsma', 'Ichthus', 'Da Vinci', 'Rembrandt', 'Vondel',
    'Grotius', 'Christiaan Huygens', 'Anne Frank', 'Minkema', 'Dr. Schaepman', 'Groen van Prinsterer')
VO_PATTERN = ('{f} College', '{f} Lyceum', 'Stedelijk Gymnasium {c}', 'OSG {core}',
    'Scholengemeenschap {f}', '{c} College', 'Christelijk College {f}', '{f} Mavo', 'Vakcollege {c}',
    'Technasium {c}', 'RSG {f}', 'Het {f} College')
FIRST = ('Anna', 'Sanne', 'Lisa', 'Emma', 'Fleur', 'Eva', 'Lotte', 'Iris', 'Marieke', 'Ingrid', 'Petra',
    'Nicole', 'Fatima', 'Samira', 'Esther', 'Linda', 'Jeroen', 'Mark', 'Daan', 'Thijs', 'Bram', 'Ruben',
    'Kees', 'Jan', 'Pieter', 'Willem', 'Hans', 'Erik', 'Martijn', 'Sander', 'Mohamed', 'Youssef', 'Ahmet',
    'Tom', 'Bas', 'Joost', 'Wouter', 'Maarten', 'Gerrit', 'Henk')
SURNAME = ('de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Janssen', 'Visser',
    'Smit', 'Meijer', 'de Boer', 'Mulder', 'de Groot', 'Bos', 'Vos', 'Peters', 'Hendriks', 'van Leeuwen',
    'Dekker', 'Brouwer', 'de Wit', 'Dijkstra', 'Smits', 'de Graaf', 'van der Meer', 'van der Linden', 'Kok',
    'Jacobs', 'de Haan', 'Vermeulen', 'van den Heuvel', 'van der Veen', 'van Houten', 'Hoekstra', 'Koster',
    'Prins', 'Huisman', 'Postma', 'Kuipers', 'Veenstra', 'Wolters', 'Bosman', 'Yilmaz')
TRADES = {
    'energie': ('Installatietechniek', 'Energietechniek', 'Zonnetechniek', 'Elektrotechniek', 'Warmtepompen'),
    'ict': ('Software', 'IT Services', 'Data Solutions', 'Automatisering', 'Digital'),
    'hightech': ('Precisietechniek', 'Mechatronica', 'High Tech Systems', 'Fijnmechanica'),
    'chemie': ('Chemie', 'Coatings', 'Procestechniek'),
    'lsh': ('Medical', 'Biotech', 'Laboratoria'),
    'agri_food': ('Agro', 'Food', 'Zuivel', 'Veevoeders'),
    'water_maritiem': ('Scheepsbouw', 'Waterbouw', 'Maritieme Techniek', 'Baggerwerken'),
    'logistiek': ('Transport', 'Logistiek', 'Distributie'),
    'creatieve_industrie': ('Design', 'Media', 'Vormgeving'),
    'tuinbouw': ('Kwekerij', 'Kassenbouw', 'Tuinbouwtechniek'),
    'wonen_werken_verkeer': ('Bouw', 'Bouwbedrijf', 'Infra', 'Wegenbouw'),
    'ontwerp_productie_wereldhandel': ('Metaalbewerking', 'Machinebouw', 'Staalconstructies', 'Kunststoffen'),
    'mens_gezondheid': ('Zorgtechniek', 'Medische Techniek'),
}
SECTOR_WEIGHT = {'energie': 14, 'ict': 14, 'hightech': 8, 'chemie': 5, 'lsh': 4, 'agri_food': 8,
    'water_maritiem': 5, 'logistiek': 9, 'creatieve_industrie': 4, 'tuinbouw': 4,
    'wonen_werken_verkeer': 14, 'ontwerp_productie_wereldhandel': 11, 'mens_gezondheid': 4}
SUFFIX = (' B.V.', ' B.V.', ' B.V.', '', ' & Zonen', ' Groep', ' Nederland B.V.')
TOPICS = {
    'energie': ('Zonnepanelen en de energietransitie', 'Hoe werkt een warmtepomp?'),
    'ict': ('Programmeren met micro:bits', 'Veilig online: cybersecurity'),
    'hightech': ('Van zand tot chip', 'Robots in de fabriek'),
    'chemie': ('Proefjes met kunststoffen', 'Van olie naar bioplastic'),
    'lsh': ('Een dag in het lab', 'Techniek in de zorg'),
    'agri_food': ('Van koe tot kaas', 'Slimme landbouw met drones'),
    'water_maritiem': ('Droge voeten: dijken en gemalen', 'Schepen bouwen'),
    'logistiek': ('Hoe komt een pakketje bij je thuis?', 'Het slimme magazijn'),
    'creatieve_industrie': ('Ontwerpen met de 3D-printer', 'Games maken'),
    'tuinbouw': ('Groenten uit de kas', 'Licht en groei'),
    'wonen_werken_verkeer': ('Bouwen aan de stad van morgen', 'Bruggen en tunnels'),
    'ontwerp_productie_wereldhandel': ('Lassen en frezen', 'Van ontwerp tot product'),
    'mens_gezondheid': ('Protheses en hulpmiddelen', 'Techniek in het ziekenhuis'),
}
ACTIVITY_WEIGHT = {'gastles': 30, 'bedrijfsbezoek': 22, 'workshop': 14, 'praktijkopdracht': 8,
    'meeloopdag': 8, 'online_gastles': 6, 'loopbaanevent': 6, 'rolmodel': 4, 'docentstage': 2}
VO_LEVEL_SETS = (['vmbo'], ['vmbo', 'havo'], ['havo', 'vwo'], ['vmbo', 'havo', 'vwo'], ['vwo'],
    ['vmbo-bb', 'vmbo-kb'], ['vmbo-tl', 'havo'])
MODE_SETS = (['at_school'], ['at_company'], ['at_school', 'at_company'], ['online'],
    ['at_school', 'online'], ['at_school', 'at_company', 'online'])
KM = (10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0)
# fmt: on

# descriptions for a share of the demo offers: an opening about the topic, what happens, what to bring
DESCRIPTION_OPENINGS = (
    "In deze {activity} laten we zien hoe het echt gaat bij ons bedrijf: {topic_lc}.",
    "Onze medewerkers vertellen over hun vak en nemen materiaal mee om zelf aan de slag te gaan "
    "({topic_lc}).",
    "Leerlingen ontdekken aan de hand van echte opdrachten uit de praktijk waar het bij {topic_lc} "
    "om draait.",
    "Een interactieve {activity} over {topic_lc}, met ruimte voor vragen over opleiding en beroep.",
)
DESCRIPTION_MIDDLES = (
    "We beginnen met een korte kennismaking en werken daarna in groepjes aan een opdracht.",
    "Na een korte uitleg gaan de leerlingen zelf meten, bouwen en testen.",
    "Je klas maakt kennis met mbo-, hbo- en wo-collega's en hoort hoe zij in dit vak terechtkwamen.",
    "We sluiten af met een korte quiz en tips voor vervolgopleidingen in de regio.",
)
DESCRIPTION_BRING = (
    "**Wat we vragen:** een beamer en een begeleidende docent.",
    "**Wat we vragen:** een lokaal met tafels in groepjes en stopcontacten.",
    "**Graag vooraf:** een lijst met vragen van de klas, dan sluiten we daarop aan.",
    "**Let op:** dichte schoenen aan bij een bezoek aan de werkplaats.",
)
# the two offers of the demo company (the fixed demo login)
DEMO_OFFER_TEXTS = (
    "Een monteur en een engineer van ons bedrijf laten zien hoe een **warmtepomp** warmte uit de "
    "buitenlucht haalt, en waarom dat zo belangrijk is voor de energietransitie.\n\n"
    "- korte uitleg met een werkend model\n"
    "- leerlingen meten zelf temperaturen en rekenen het rendement uit\n"
    "- vragen over werken in de installatietechniek\n\n"
    "Duur: één lesuur (50 minuten). Wij nemen alles mee; een beamer is fijn.",
    "Een rondleiding door onze werkplaats en het magazijn. Leerlingen zien monteurs aan het werk en "
    "proberen zelf te solderen en een leiding te buigen.\n\n"
    "**Let op:** dichte schoenen aan; we zorgen voor veiligheidsbrillen.",
)


def offer_description(pick, activity: str, topic: str) -> str:
    """A realistic Dutch description of a demo offer (Markdown, three short paragraphs); ``pick``
    chooses one item of a sequence (the seeded generator's)."""
    from loket import taxonomy

    label = taxonomy.activities().label(activity, "nl").lower()
    first = pick(DESCRIPTION_OPENINGS).format(activity=label, topic_lc=topic.lower())
    return "\n\n".join((first, pick(DESCRIPTION_MIDDLES), pick(DESCRIPTION_BRING)))
